/**
 * `/compute`: the version list, the legacy `/v2` endpoint (answered as 2.1, microversion headers ignored) and
 * `/v2.1` with microversion negotiation. Resource routes work with and without a project id in the path.
 */
import { Router, type RequestHandler } from 'express';
import { ApiError } from '../faults.ts';
import { bodyErrors, jsonBody } from '../json-body.ts';
import { negotiate, requestedVersion, versionHeaders, MIN_VERSION, type Microversion } from '../microversion.ts';
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

/** The routes of the compute resources, shared by `/v2` and `/v2.1`. Resources are added here as they land. */
function resources(): Router {
  return Router();
}

export function computeRouter(opts: { publicUrl: string; maxBodyBytes: number }): Router {
  const base = `${opts.publicUrl}/compute`;
  const router = Router({ strict: false });
  router.get('/', (_req, res) => void res.json(versionList(base)));

  const v21 = Router();
  v21.use(withMicroversion, jsonBody(opts.maxBodyBytes), bodyErrors);
  v21.get('/', (_req, res) => void res.json(versionDocument(base, 'v2.1')));
  v21.use(stripProjectId, resources());
  router.use('/v2.1', v21);

  const v2 = Router();
  v2.use(legacyVersion, jsonBody(opts.maxBodyBytes), bodyErrors);
  v2.get('/', (_req, res) => void res.json(versionDocument(base, 'v2.0')));
  v2.use(stripProjectId, resources());
  router.use('/v2', v2);

  router.use((_req, _res, next) => next(new ApiError(404, 'The resource could not be found.')));
  return router;
}
