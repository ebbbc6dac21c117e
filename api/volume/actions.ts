/** `/volumes/{id}/action` (os-extend, os-set_bootable, os-reset_status) and `/volumes/{id}/metadata[/{key}]`. */
import { Router } from 'express';
import { z } from 'zod';
import { deleteVolumeMetadataKey, metadataNotFound, setVolumeMetadata } from '../../activities/services/volume/metadata.ts';
import { extendVolume, getVolume, resetVolumeStatus, updateVolume } from '../../activities/services/volume/volumes.ts';
import { enforce } from '../auth/policy.ts';
import { badRequest } from '../faults.ts';
import type { ServiceDeps } from '../service-deps.ts';
import { validate } from '../validation.ts';
import { visibleVolume } from './volumes.ts';

const boolish = z.union([z.boolean(), z.enum(['true', 'false', 'True', 'False', '1', '0'])]).transform((v) => v === true || ['true', 'True', '1'].includes(String(v)));
const ACTIONS = {
  'os-extend': z.object({ new_size: z.preprocess((v) => (typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v), z.number().int().min(1)) }),
  'os-set_bootable': z.object({ bootable: boolish }),
  'os-reset_status': z.object({
    status: z.enum(['creating', 'available', 'reserved', 'attaching', 'in-use', 'detaching', 'extending', 'deleting', 'error', 'error_deleting', 'error_extending']),
    attach_status: z.enum(['detached', 'attaching', 'attached']).optional(),
    migration_status: z.string().nullable().optional(),
  }),
} as const;

const metadataBody = z.object({ metadata: z.record(z.string().min(1).max(255), z.string().max(255)) });
const metaBody = z.object({ meta: z.record(z.string().min(1).max(255), z.string().max(255)) });

export function volumeActionRoutes(deps: ServiceDeps): Router {
  const router = Router();
  const { db } = deps;
  const load = async (auth: Parameters<typeof visibleVolume>[0], id: string) => visibleVolume(auth, await getVolume(db, id), id);

  router.post('/volumes/:id/action', async (req, res) => {
    const auth = res.locals.auth;
    const volume = await load(auth, req.params.id);
    const body = req.body as Record<string, unknown> | undefined;
    const action = body && typeof body === 'object' ? Object.keys(body)[0] : undefined;
    if (!action || !(action in ACTIONS)) throw badRequest(`There is no such action: ${action ?? ''}`);
    const target = { projectId: volume.project_id };
    switch (action) {
      case 'os-extend': {
        enforce(auth, 'volume:extend', target);
        const { new_size } = validate(z.object({ 'os-extend': ACTIONS['os-extend'] }), body)['os-extend'];
        await extendVolume(db, deps.dataDir, volume.id, new_size);
        return void res.status(202).end();
      }
      case 'os-set_bootable': {
        enforce(auth, 'volume:set_bootable', target);
        const { bootable } = validate(z.object({ 'os-set_bootable': ACTIONS['os-set_bootable'] }), body)['os-set_bootable'];
        await updateVolume(db, volume.id, { bootable });
        return void res.status(200).end();
      }
      default: {
        enforce(auth, 'volume_extension:volume_admin_actions:reset_status', target);
        const reset = validate(z.object({ 'os-reset_status': ACTIONS['os-reset_status'] }), body)['os-reset_status'];
        await resetVolumeStatus(db, volume.id, reset.status, reset.attach_status);
        return void res.status(202).end();
      }
    }
  });

  router.get('/volumes/:id/metadata', async (req, res) => {
    const auth = res.locals.auth;
    const volume = await load(auth, req.params.id);
    enforce(auth, 'volume:get_volume_metadata', { projectId: volume.project_id });
    res.json({ metadata: volume.metadata });
  });

  for (const [method, replace] of [['post', false], ['put', true]] as const) {
    router[method]('/volumes/:id/metadata', async (req, res) => {
      const auth = res.locals.auth;
      const volume = await load(auth, req.params.id);
      enforce(auth, 'volume:update_volume_metadata', { projectId: volume.project_id });
      const { metadata } = validate(metadataBody, req.body);
      res.json({ metadata: await setVolumeMetadata(db, volume.id, metadata, replace) });
    });
  }

  router.get('/volumes/:id/metadata/:key', async (req, res) => {
    const auth = res.locals.auth;
    const volume = await load(auth, req.params.id);
    enforce(auth, 'volume:get_volume_metadata', { projectId: volume.project_id });
    const value = volume.metadata[req.params.key];
    if (value === undefined) throw metadataNotFound(volume.id, req.params.key);
    res.json({ meta: { [req.params.key]: value } });
  });

  router.put('/volumes/:id/metadata/:key', async (req, res) => {
    const auth = res.locals.auth;
    const volume = await load(auth, req.params.id);
    enforce(auth, 'volume:update_volume_metadata', { projectId: volume.project_id });
    const { meta } = validate(metaBody, req.body);
    if (Object.keys(meta).length !== 1 || !(req.params.key in meta)) throw badRequest('Request body and URI mismatch');
    await setVolumeMetadata(db, volume.id, meta, false);
    res.json({ meta });
  });

  router.delete('/volumes/:id/metadata/:key', async (req, res) => {
    const auth = res.locals.auth;
    const volume = await load(auth, req.params.id);
    enforce(auth, 'volume:delete_volume_metadata', { projectId: volume.project_id });
    await deleteVolumeMetadataKey(db, volume.id, req.params.key);
    res.status(200).end();
  });

  return router;
}
