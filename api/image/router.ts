/**
 * The image service (Glance v2 subset) under `/image`: the version list without a token (also at `/versions`
 * and at `/v2` itself, which keystoneauth may probe), then behind authentication images, their data, tags,
 * activation actions, members and schemas. Every error is Glance's `{"code", "title", "message"}`.
 */
import { Router, type RequestHandler } from 'express';
import { authenticate } from '../auth/authenticate.ts';
import { faultHandler } from '../fault-handler.ts';
import { ApiError } from '../faults.ts';
import type { ServiceDeps } from '../service-deps.ts';
import { actionRoutes } from './actions.ts';
import { dataRoutes } from './data.ts';
import { glanceFormat } from './faults.ts';
import { imageRoutes } from './images.ts';
import { memberRoutes } from './members.ts';
import { schemaRoutes } from './schemas.ts';
import { tagRoutes } from './tags.ts';
import { versionList } from './versions.ts';

const notFound: RequestHandler = (_req, _res, next) => next(new ApiError(404, 'The resource could not be found.'));

/** Glance answers a known path with a method it does not serve by 405 and the methods it does. */
const ALLOWED_METHODS: readonly [string, string][] = [
  ['/images', 'GET, POST'],
  ['/images/:id', 'DELETE, GET, PATCH'],
  ['/images/:id/file', 'GET, PUT'],
  ['/images/:id/tags/:tag', 'DELETE, PUT'],
  ['/images/:id/members', 'GET, POST'],
  ['/images/:id/members/:member', 'DELETE, GET, PUT'],
  ['/images/:id/actions/deactivate', 'POST'],
  ['/images/:id/actions/reactivate', 'POST'],
];

export function imageRouter(deps: ServiceDeps): Router {
  const base = `${deps.publicUrl}/image`;
  const router = Router();
  router.get('/', (_req, res) => void res.status(300).json(versionList(base)));
  router.get('/versions', (_req, res) => void res.json(versionList(base)));

  const v2 = Router();
  v2.get('/', (_req, res) => void res.json(versionList(base)));
  v2.use(authenticate(deps));
  v2.use(imageRoutes(deps), dataRoutes(deps), tagRoutes(deps), actionRoutes(deps), memberRoutes(deps), schemaRoutes());
  for (const [path, allow] of ALLOWED_METHODS) {
    v2.all(path, (_req, _res, next) => next(new ApiError(405, 'The method is not allowed for this resource.', { Allow: allow })));
  }
  v2.use(notFound);
  router.use('/v2', v2);

  router.use(notFound);
  router.use(faultHandler(deps.log.child({ component: 'image' }), glanceFormat));
  return router;
}
