/**
 * `/v2/images/{id}/actions/deactivate` and `.../reactivate` (POST, 204): an owner takes an active image out of
 * service (its data can no longer be downloaded but by admins) and puts it back. Repeating either is harmless.
 */
import { Router } from 'express';
import { forbidden } from '../../activities/services/image/errors.ts';
import { transition } from '../../activities/services/image/queries.ts';
import type { ImageStatus } from '../../activities/services/image/records.ts';
import { enforce } from '../auth/policy.ts';
import type { ServiceDeps } from '../service-deps.ts';
import { loadImage } from './access.ts';

const ACTIONS = {
  deactivate: { rule: 'image:deactivate', from: 'active', to: 'deactivated' },
  reactivate: { rule: 'image:reactivate', from: 'deactivated', to: 'active' },
} as const satisfies Record<string, { rule: string; from: ImageStatus; to: ImageStatus }>;

export function actionRoutes(deps: ServiceDeps): Router {
  const router = Router();
  for (const [name, action] of Object.entries(ACTIONS)) {
    router.post(`/images/:id/actions/${name}`, async (req, res) => {
      const auth = res.locals.auth;
      const { image, target } = await loadImage(deps.db, auth, req.params.id);
      enforce(auth, action.rule, target);
      const moved = await transition(deps.db, image.id, [action.from, action.to], action.to);
      if (!moved.changed) throw forbidden(`Not allowed to ${name} image in status '${moved.status ?? 'deleted'}'`);
      res.status(204).end();
    });
  }
  return router;
}
