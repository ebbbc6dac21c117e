/**
 * The volume service (Cinder v3 subset) under `/volume`: the version list and v3 document without a token; behind
 * authentication volumes (with actions and metadata), attachments, types and availability zones. Routes work
 * with and without the project id segment the catalog puts in the endpoint (`/v3/{project_id}/volumes`).
 * Microversions via `OpenStack-API-Version: volume 3.x`; errors in Cinder's `{"itemNotFound": {...}}` form.
 */
import { Router, type RequestHandler } from 'express';
import { authenticate } from '../auth/authenticate.ts';
import { faultHandler } from '../fault-handler.ts';
import { ApiError, novaFormat } from '../faults.ts';
import { bodyErrors, jsonBody } from '../json-body.ts';
import type { ServiceDeps } from '../service-deps.ts';
import { volumeActionRoutes } from './actions.ts';
import { attachmentRoutes } from './attachments.ts';
import { limitRoutes } from './limits.ts';
import { volumeVersion } from './microversion.ts';
import { typeRoutes } from './types.ts';
import { v3Document, versionList } from './versions.ts';
import { volumeRoutes } from './volumes.ts';

/** A project id (Keystone's 32 hex digits, or a UUID); no collection name looks like one. */
const PROJECT_ID_SEGMENT = /^\/([0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})(?=\/|\?|$)/i;

const stripProjectId: RequestHandler = (req, _res, next) => {
  const match = PROJECT_ID_SEGMENT.exec(req.url);
  if (match) req.url = req.url.slice(match[0].length) || '/';
  if (req.url.startsWith('?')) req.url = `/${req.url}`;
  next();
};

const notFound = () => new ApiError(404, 'The resource could not be found.');

export function volumeRouter(deps: ServiceDeps): Router {
  const base = `${deps.publicUrl}/volume`;
  const router = Router();
  router.get('/', (_req, res) => void res.status(300).json(versionList(base)));

  const v3 = Router();
  v3.use(volumeVersion, stripProjectId);
  v3.get('/', (_req, res) => void res.json(v3Document(base)));
  v3.use(authenticate(deps), jsonBody(deps.maxBodyBytes), bodyErrors);
  v3.use(volumeRoutes(deps), volumeActionRoutes(deps), attachmentRoutes(deps), typeRoutes(), limitRoutes(deps));
  v3.use((_req, _res, next) => next(notFound()));
  router.use('/v3', v3);

  router.use((_req, _res, next) => next(notFound()));
  router.use(faultHandler(deps.log.child({ component: 'volume' }), novaFormat));
  return router;
}
