/**
 * `/compute`: the version list, `/v2.1` with microversion negotiation, and the legacy `/v2` endpoint (answered
 * as 2.1, version headers ignored). Every route is an OpenAPI operation (`bind`); resources need a token and work
 * with and without a project id in the path.
 */
import { Router, type RequestHandler } from 'express';
import { authenticate } from '../auth/authenticate.ts';
import { ApiError } from '../faults.ts';
import { bodyErrors, jsonBody } from '../json-body.ts';
import { negotiate, requestedVersion, versionHeaders, MIN_VERSION, type Microversion } from '../microversion.ts';
import { bind } from '../openapi/route.ts';
import type { ComputeDeps } from './deps.ts';
import { availabilityZoneRoutes } from './availability-zones.ts';
import { flavorRoutes } from './flavors.ts';
import { flavorExtraRoutes } from './flavor-extras.ts';
import { hypervisorRoutes } from './hypervisors.ts';
import { keypairRoutes } from './keypairs.ts';
import { serverGroupRoutes } from './server-groups.ts';
import { quotaRoutes } from './quotas.ts';
import { serverActionRoutes } from './servers/actions.ts';
import { volumeAttachmentRoutes } from './servers/volume-attachments.ts';
import { serverMetadataRoutes } from './servers/metadata.ts';
import { serverTagRoutes } from './servers/tags.ts';
import { serverRoutes } from './servers/router.ts';
import { serviceRoutes } from './services.ts';
import { migrationRoutes } from './migrations.ts';
import { versionDocument, versionList } from './versions.ts';

declare module 'express-serve-static-core' {
  interface Locals {
    microversion: Microversion;
    /** The project id given in the URL (`/v2.1/{project_id}/...`), if any. */
    urlProjectId?: string;
  }
}

/** Nova's default project id pattern; no resource collection name is made of these characters only. */
const PROJECT_ID_SEGMENT = /^\/([0-9a-f-]+)(?=\/|$)/;

const withMicroversion: RequestHandler = (req, res, next) => {
  let version: Microversion;
  try {
    version = negotiate(requestedVersion(req.headers));
  } catch (err) {
    return next(err);
  }
  res.locals.microversion = version;
  res.set(versionHeaders(version));
  next();
};

const legacyVersion: RequestHandler = (_req, res, next) => {
  res.locals.microversion = MIN_VERSION;
  next();
};

const stripProjectId: RequestHandler = (req, res, next) => {
  const match = PROJECT_ID_SEGMENT.exec(req.url);
  if (match) {
    res.locals.urlProjectId = match[1];
    req.url = req.url.slice(match[0].length) || '/';
  }
  next();
};

/** The compute resources, shared by `/v2` and `/v2.1`. */
function resources(deps: ComputeDeps): Router {
  const router = Router();
  router.use(authenticate(deps));
  router.use(flavorRoutes(deps), flavorExtraRoutes(deps));
  router.use(serviceRoutes(deps));
  router.use(hypervisorRoutes(deps));
  router.use(availabilityZoneRoutes(deps));
  router.use(keypairRoutes(deps), serverGroupRoutes(deps), serverRoutes(deps), serverActionRoutes(deps), volumeAttachmentRoutes(deps), serverMetadataRoutes(deps), serverTagRoutes(deps), quotaRoutes(deps));
  router.use(migrationRoutes(deps));
  return router;
}

export function computeRouter(deps: ComputeDeps): Router {
  const base = `${deps.publicUrl}/compute`;
  const opts = { validateResponses: deps.validateResponses };
  const router = Router({ strict: false });
  bind(router, 'listVersions', opts, (_req, res) => void res.json(versionList(base)));

  for (const [mount, id, versioning] of [['/v2.1', 'v2.1', withMicroversion], ['/v2', 'v2.0', legacyVersion]] as const) {
    const versioned = Router();
    versioned.use(versioning, jsonBody(deps.maxBodyBytes), bodyErrors);
    bind(versioned, 'showVersion', opts, (_req, res) => void res.json(versionDocument(base, id)));
    versioned.use(stripProjectId, resources(deps));
    router.use(mount, versioned);
  }

  router.use((_req, _res, next) => next(new ApiError(404, 'The resource could not be found.')));
  return router;
}
