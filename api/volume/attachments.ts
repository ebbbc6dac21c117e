/**
 * `/v3/{project_id}/attachments` (3.27+; os-complete 3.44+): reserve, connect, complete, list, show, delete.
 * An attachment belongs to its volume's project; others get a 404.
 */
import { Router, type Request } from 'express';
import { z } from 'zod';
import {
  completeAttachment,
  createAttachment,
  deleteAttachment,
  getAttachment,
  listAttachments,
  updateAttachment,
  type Attachment,
} from '../../activities/services/volume/attachments.ts';
import { getVolume } from '../../activities/services/volume/volumes.ts';
import type { AuthContext } from '../auth/context.ts';
import { allowed, enforce } from '../auth/policy.ts';
import { ApiError, badRequest } from '../faults.ts';
import type { ServiceDeps } from '../service-deps.ts';
import { validate } from '../validation.ts';
import { since } from './microversion.ts';
import { attachmentDetail, attachmentSummary } from './views.ts';
import { visibleVolume } from './volumes.ts';

const uuid = z.string().regex(/^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i, 'is not a valid UUID');
const connector = z.record(z.string(), z.unknown());

const createSchema = z.object({
  attachment: z.object({
    volume_uuid: uuid,
    instance_uuid: uuid.nullable().optional(),
    connector: connector.nullable().optional(),
    mode: z.enum(['rw', 'ro']).optional(),
  }),
});
const updateSchema = z.object({ attachment: z.object({ connector }) });

const notFound = (id: string) => new ApiError(404, `Volume attachment could not be found with filter: attachment_id = ${id}.`);

const canonicalUuid = (text: string) => {
  const hex = text.replaceAll('-', '').toLowerCase();
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
};

export function attachmentRoutes(deps: ServiceDeps): Router {
  const router = Router();
  const { db } = deps;
  router.use('/attachments', since('3.27'));

  async function load(auth: AuthContext, id: string, rule = 'volume:attachment_get'): Promise<Attachment> {
    const attachment = await getAttachment(db, id);
    if (!attachment || !(auth.isAdmin || attachment.project_id === auth.projectId) || !allowed(auth, 'volume:attachment_get', { projectId: attachment.project_id })) {
      throw notFound(id);
    }
    enforce(auth, rule, { projectId: attachment.project_id });
    return attachment;
  }

  async function list(req: Request, detail: boolean) {
    const auth = req.res!.locals.auth;
    enforce(auth, 'volume:attachment_get_all', { projectId: auth.projectId });
    const all = ['1', 'true', 'True'].includes(String(req.query.all_tenants)) && auth.isAdmin;
    const one = (key: string) => (typeof req.query[key] === 'string' ? (req.query[key] as string) : undefined);
    const rows = await listAttachments(db, {
      projectId: all ? undefined : auth.projectId ?? '',
      volumeId: one('volume_id'),
      instanceUuid: one('instance_id') ?? one('instance_uuid'),
    });
    const status = one('status') ?? one('attach_status');
    const filtered = status ? rows.filter((a) => a.attach_status === status) : rows;
    return { attachments: filtered.map(detail ? attachmentDetail : attachmentSummary) };
  }

  router.get('/attachments', async (req, res) => void res.json(await list(req, false)));
  router.get('/attachments/detail', async (req, res) => void res.json(await list(req, true)));

  router.get('/attachments/:id', async (req, res) => {
    res.json({ attachment: attachmentDetail(await load(res.locals.auth, req.params.id)) });
  });

  router.post('/attachments', async (req, res) => {
    const auth = res.locals.auth;
    const { attachment: body } = validate(createSchema, req.body);
    if (body.mode !== undefined && !res.locals.volumeVersion.atLeast('3.54')) throw badRequest('Invalid input received: mode is supported from microversion 3.54.');
    const volumeId = canonicalUuid(body.volume_uuid);
    const volume = visibleVolume(auth, await getVolume(db, volumeId), body.volume_uuid);
    enforce(auth, 'volume:attachment_create', { projectId: volume.project_id });
    const attachment = await createAttachment(db, deps.dataDir, {
      volumeId: volume.id,
      instanceUuid: body.instance_uuid ? canonicalUuid(body.instance_uuid) : null,
      connector: body.connector ?? null,
      mode: body.mode,
    });
    res.json({ attachment: attachmentDetail(attachment) });
  });

  router.put('/attachments/:id', async (req, res) => {
    const auth = res.locals.auth;
    const current = await load(auth, req.params.id, 'volume:attachment_update');
    const { attachment: body } = validate(updateSchema, req.body);
    res.json({ attachment: attachmentDetail(await updateAttachment(db, deps.dataDir, current.id, body.connector)) });
  });

  router.post('/attachments/:id/action', since('3.44'), async (req, res) => {
    const auth = res.locals.auth;
    const body = req.body as Record<string, unknown> | undefined;
    const action = body && typeof body === 'object' ? Object.keys(body)[0] : undefined;
    if (action !== 'os-complete') throw badRequest(`There is no such action: ${action ?? ''}`);
    const current = await load(auth, String(req.params.id), 'volume:attachment_complete');
    await completeAttachment(db, current.id);
    res.status(204).end();
  });

  router.delete('/attachments/:id', async (req, res) => {
    const auth = res.locals.auth;
    const current = await load(auth, req.params.id, 'volume:attachment_delete');
    if (!(await deleteAttachment(db, current.id))) throw notFound(current.id);
    const remaining = await listAttachments(db, { volumeId: current.volume_id });
    res.json({ attachments: remaining.map(attachmentSummary) });
  });

  return router;
}
