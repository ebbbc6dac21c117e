/**
 * Identity (Keystone v3 subset) under `/identity`: version discovery, tokens, the catalog, and admin CRUD on
 * domains, projects, users, roles and role grants — what the openstack CLI and Tempest's dynamic credentials use.
 */
import { Router } from 'express';
import { DEFAULT_DOMAIN_ID } from '../../activities/services/identity/ids.ts';
import { authenticate } from '../auth/authenticate.ts';
import { faultHandler } from '../fault-handler.ts';
import { ApiError, keystoneFormat } from '../faults.ts';
import { bodyErrors, jsonBody } from '../json-body.ts';
import type { ServiceDeps } from '../service-deps.ts';
import { crudRoutes } from './crud.ts';
import { domainSpec, projectSpec, roleSpec, userSpec } from './entities.ts';
import { grantRoutes } from './grants.ts';
import { tokenRoutes } from './tokens.ts';
import { identityV3Document, identityVersions } from './versions.ts';

/** Keystone's default token lifetime. */
export const TOKEN_TTL_SECONDS = 24 * 3600;

export function identityRouter(deps: ServiceDeps, opts: { tokenTtlSeconds?: number } = {}): Router {
  const base = `${deps.publicUrl}/identity`;
  const router = Router();
  router.get('/', (_req, res) => void res.status(300).json(identityVersions(base)));

  const v3 = Router();
  v3.get('/', (_req, res) => void res.json(identityV3Document(base)));
  v3.use(jsonBody(deps.maxBodyBytes), bodyErrors);
  v3.use(tokenRoutes(deps, { ttlSeconds: opts.tokenTtlSeconds ?? TOKEN_TTL_SECONDS }));
  v3.use(authenticate(deps));
  v3.use(
    crudRoutes(domainSpec, deps, {
      beforeDelete: (row) => {
        if (row.id === DEFAULT_DOMAIN_ID) throw new ApiError(403, 'The default domain cannot be deleted.');
        if (row.enabled) throw new ApiError(403, 'Cannot delete a domain that is enabled, please disable it first.');
      },
    }),
  );
  v3.use(crudRoutes(projectSpec, deps));
  v3.use(crudRoutes(userSpec, deps));
  v3.use(crudRoutes(roleSpec, deps));
  v3.use(grantRoutes(deps));
  v3.use((_req, _res, next) => next(new ApiError(404, 'The resource could not be found.')));
  router.use('/v3', v3);
  router.use((_req, _res, next) => next(new ApiError(404, 'The resource could not be found.')));
  router.use(faultHandler(deps.log.child({ component: 'identity' }), keystoneFormat));
  return router;
}
