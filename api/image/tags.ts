/** `/v2/images/{id}/tags/{tag}`: add (PUT) and remove (DELETE) one tag; both answer 204. */
import { Router } from 'express';
import { imageNotFound } from '../../activities/services/image/errors.ts';
import { fieldsOf, getImage, saveFields, transaction } from '../../activities/services/image/queries.ts';
import type { ImageFields } from '../../activities/services/image/records.ts';
import type { AuthContext } from '../auth/context.ts';
import { allowed, enforce } from '../auth/policy.ts';
import { ApiError } from '../faults.ts';
import type { ServiceDeps } from '../service-deps.ts';
import { imageTarget } from './access.ts';
import { checkCounts, checkValue } from './validation.ts';

export function tagRoutes(deps: ServiceDeps): Router {
  const router = Router();
  const { db } = deps;

  /** Changes the tags of a visible image the caller may modify, under the row lock. */
  const retag = (auth: AuthContext, id: string, change: (fields: ImageFields) => void) =>
    transaction(db, async (client) => {
      const image = await getImage(client, id, { lock: true });
      if (!image) throw imageNotFound(id);
      const target = await imageTarget(db, auth, image);
      if (!allowed(auth, 'image:get_image', target)) throw imageNotFound(id);
      enforce(auth, 'image:modify_image', target);
      const fields = fieldsOf(image);
      change(fields);
      checkCounts(fields.properties, fields.tags);
      await saveFields(client, id, fields);
    });

  router.put('/images/:id/tags/:tag', async (req, res) => {
    const tag = req.params.tag;
    checkValue('tags', [tag]);
    await retag(res.locals.auth, req.params.id, (fields) => {
      if (!fields.tags.includes(tag)) fields.tags.push(tag);
    });
    res.status(204).end();
  });

  router.delete('/images/:id/tags/:tag', async (req, res) => {
    const tag = req.params.tag;
    await retag(res.locals.auth, req.params.id, (fields) => {
      if (!fields.tags.includes(tag)) throw new ApiError(404, 'The resource could not be found.');
      fields.tags = fields.tags.filter((t) => t !== tag);
    });
    res.status(204).end();
  });

  return router;
}
