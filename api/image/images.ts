/** `/v2/images` and `/v2/images/{id}`: list, create, show, update (JSON patch), delete. */
import { Router } from 'express';
import { badRequest, forbidden, imageNotFound, imageNotFoundToDelete, protectedImage } from '../../activities/services/image/errors.ts';
import { removeImageFile } from '../../activities/services/image/file-store.ts';
import { completeSort, listImages } from '../../activities/services/image/list.ts';
import { createImage, deleteImage, fieldsOf, getImage, saveFields, transaction } from '../../activities/services/image/queries.ts';
import { allowed, enforce } from '../auth/policy.ts';
import type { ImageTarget } from '../auth/rules/image.ts';
import type { ServiceDeps } from '../service-deps.ts';
import { imageTarget, loadImage, visibilityRule } from './access.ts';
import { readJson, readPatch } from './body.ts';
import { applyPatch, parsePatch } from './patch.ts';
import { pageLinks, parseListQuery, queryValues } from './query.ts';
import { parseCreateBody } from './validation.ts';
import { imageHref, imageView } from './views.ts';

/** The query string of a request, without the `?`. */
export const searchOf = (url: string): string => {
  const at = url.indexOf('?');
  return at < 0 ? '' : url.slice(at + 1);
};

export function imageRoutes(deps: ServiceDeps): Router {
  const router = Router();
  const { db } = deps;

  router.get('/images', async (req, res) => {
    const auth = res.locals.auth;
    enforce(auth, 'image:get_images', { projectId: auth.projectId });
    const search = searchOf(req.originalUrl);
    const query = parseListQuery(queryValues(search));
    if (query.marker !== undefined) await loadImage(db, auth, query.marker, (id) => badRequest(`No image found with ID ${id}`));
    const images = await listImages(db, { admin: auth.isAdmin, projectId: auth.projectId }, query.filters, {
      sort: completeSort(query.sort, query.tieDir),
      limit: query.limit,
      markerId: query.marker,
    });
    const last = images.length > 0 && images.length === query.limit ? images.at(-1)!.id : undefined;
    const { first, next } = pageLinks(search, last);
    res.json({ images: images.map(imageView), first, schema: '/v2/schemas/images', ...(next ? { next } : {}) });
  });

  router.post('/images', async (req, res) => {
    const auth = res.locals.auth;
    const body = parseCreateBody(await readJson(req, deps.maxBodyBytes));
    const owner = body.owner !== undefined ? body.owner : (auth.projectId ?? null);
    const visibility = body.visibility ?? 'shared';
    const target: ImageTarget = { visibility, ...(owner !== null ? { projectId: owner } : {}) };
    if (!allowed(auth, 'image:add_image', target) && owner !== auth.projectId) {
      throw forbidden(`You are not permitted to create images owned by '${owner ?? 'None'}'`);
    }
    enforce(auth, 'image:add_image', target);
    const rule = visibilityRule(visibility);
    if (rule) enforce(auth, rule, target);
    const image = await createImage(db, {
      id: body.id,
      name: body.name ?? null,
      visibility,
      protected: body.protected ?? false,
      os_hidden: body.os_hidden ?? false,
      owner,
      disk_format: body.disk_format ?? null,
      container_format: body.container_format ?? null,
      min_disk: body.min_disk ?? 0,
      min_ram: body.min_ram ?? 0,
      properties: body.properties,
      tags: body.tags,
    });
    res.status(201).location(`${deps.publicUrl}/image${imageHref(image.id)}`).json(imageView(image));
  });

  router.get('/images/:id', async (req, res) => {
    const { image } = await loadImage(db, res.locals.auth, req.params.id);
    res.json(imageView(image));
  });

  router.patch('/images/:id', async (req, res) => {
    const auth = res.locals.auth;
    const { draft, body } = await readPatch(req, deps.maxBodyBytes);
    const changes = parsePatch(body, draft);
    const id = req.params.id;
    const updated = await transaction(db, async (client) => {
      const image = await getImage(client, id, { lock: true });
      if (!image) throw imageNotFound(id);
      const target = await imageTarget(db, auth, image);
      if (!allowed(auth, 'image:get_image', target)) throw imageNotFound(id);
      if (changes.length === 0) return image;
      const fields = applyPatch(fieldsOf(image), changes, {
        isAdmin: auth.isAdmin,
        status: image.status,
        draft,
        authorize: (attribute, value) => {
          const rule = attribute === 'visibility' ? visibilityRule(value) : undefined;
          if (rule) enforce(auth, rule, target);
          enforce(auth, 'image:modify_image', target);
        },
      });
      return saveFields(client, id, fields);
    });
    res.json(imageView(updated));
  });

  router.delete('/images/:id', async (req, res) => {
    const auth = res.locals.auth;
    const id = req.params.id;
    const { image, target } = await loadImage(db, auth, id, imageNotFoundToDelete);
    enforce(auth, 'image:delete_image', target);
    if (image.protected) throw protectedImage(image.id);
    if (!(await deleteImage(db, image.id))) {
      if ((await getImage(db, image.id))?.protected) throw protectedImage(image.id);
      throw imageNotFoundToDelete(id);
    }
    await removeImageFile(deps.dataDir, image.id);
    res.status(204).end();
  });

  return router;
}
