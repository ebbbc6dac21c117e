/**
 * `servers/{id}/os-volume_attachments`: list and show a server's volumes; attach one to a running server (the
 * attachment is reserved here, so the volume is taken at once, then `attachVolumeToInstance` hot-plugs it) and
 * detach one (`detachVolumeFromInstance`). Fields by microversion: tag 2.70, delete_on_termination 2.79,
 * attachment_id and bdm_uuid (and no `id`) from 2.89.
 */
import { Router, type Request, type Response } from 'express';
import { derivedUuid } from '../../../activities/control/derived-id.ts';
import type { InstanceRow } from '../../../activities/control/db/instances.ts';
import type { AttachedVolumeRecord } from '../../../activities/control/instances/events.ts';
import { createAttachment, deleteAttachment } from '../../../activities/services/volume/attachments.ts';
import { getVolume } from '../../../activities/services/volume/volumes.ts';
import type { operations } from '../../../schema/generated/compute/server-volume-attachments.d.ts';
import { Host, InstanceUuid, Operation, ProjectId, RequestId } from '../../../workflows/search-attributes.ts';
import { ApiError, badRequest } from '../../faults.ts';
import { bind, param } from '../../openapi/route.ts';
import type { ComputeDeps } from '../deps.ts';
import { changeServer, loadServer } from './instance-access.ts';
import { powerActionWorkflowId } from './start.ts';

type AttachBody = operations['attachVolume']['requestBody']['content']['application/json'];
type Deps = ComputeDeps;

/** vm_states in which Nova attaches and detaches volumes (of those Novaflow has). */
const VOLUME_VM_STATES = ['active', 'paused', 'stopped', 'resized'];

function view(row: InstanceRow, a: AttachedVolumeRecord, res: Response) {
  const v = res.locals.microversion;
  return {
    ...(v.atLeast('2.89') ? {} : { id: a.id }),
    serverId: row.uuid,
    volumeId: a.id,
    device: a.device ? `/dev/${a.device}` : null,
    ...(v.atLeast('2.70') ? { tag: a.tag ?? null } : {}),
    ...(v.atLeast('2.79') ? { delete_on_termination: a.delete_on_termination } : {}),
    ...(v.atLeast('2.89') ? { attachment_id: a.attachment_id ?? null, bdm_uuid: derivedUuid(`${row.uuid}/bdm/${a.id}`) } : {}),
  };
}

/** The first vdX the server does not use (vda is its root disk, local or volume). */
function nextDevice(row: InstanceRow): string {
  const used = new Set(['vda', ...(row.volumes_attached ?? []).map((a) => a.device).filter((d): d is string => !!d)]);
  for (let c = 'b'.charCodeAt(0); c <= 'z'.charCodeAt(0); c++) {
    const name = `vd${String.fromCharCode(c)}`;
    if (!used.has(name)) return name;
  }
  throw badRequest('The server has no free device name for another volume.');
}

export function volumeAttachmentRoutes(deps: Deps): Router {
  const router = Router();
  const opts = { validateResponses: deps.validateResponses };

  const load = (req: Request, res: Response, rule: string) => loadServer(deps.db, req, res, rule);

  const attachedOrNotFound = (row: InstanceRow, volumeId: string) => {
    const found = (row.volumes_attached ?? []).find((a) => a.id === volumeId);
    if (!found) throw new ApiError(404, `No volume Block Device Mapping with id ${volumeId}.`);
    return found;
  };

  /** Records the instance action if the server's state allows it (Nova's 409 otherwise). */
  const recordAction = (res: Response, row: InstanceRow, action: string, workflowId: string) =>
    changeServer(deps.db, res, row, action, VOLUME_VM_STATES, [
      { type: 'action_started', action, request_id: res.locals.requestId, user_id: res.locals.auth.userId, project_id: row.project_id, workflow_id: workflowId },
    ]);

  const start = (workflow: string, workflowId: string, row: InstanceRow, operation: string, requestId: string, args: Record<string, unknown>) =>
    deps.temporal.workflow.start(workflow, {
      workflowId,
      taskQueue: deps.controlQueue,
      args: [args],
      typedSearchAttributes: [
        { key: InstanceUuid, value: row.uuid },
        { key: ProjectId, value: row.project_id },
        { key: Operation, value: operation },
        { key: RequestId, value: requestId },
        { key: Host, value: row.host! },
      ],
    });

  bind(router, 'listVolumeAttachments', opts, async (req, res) => {
    const row = await load(req, res, 'os_compute_api:os-volumes-attachments:index');
    const q = req.query as { limit?: string; offset?: string };
    const offset = Number(q.offset ?? 0);
    const all = row.volumes_attached ?? [];
    const page = all.slice(offset, q.limit === undefined ? undefined : offset + Number(q.limit));
    res.json({ volumeAttachments: page.map((a) => view(row, a, res)) });
  });

  bind(router, 'showVolumeAttachment', opts, async (req, res) => {
    const row = await load(req, res, 'os_compute_api:os-volumes-attachments:show');
    res.json({ volumeAttachment: view(row, attachedOrNotFound(row, param(req, 'volume_id')), res) });
  });

  bind(router, 'attachVolume', opts, async (req, res) => {
    const v = res.locals.microversion;
    const body = (req.body as AttachBody).volumeAttachment;
    if (body.tag !== undefined && !v.atLeast('2.49')) throw badRequest("Invalid input for field/attribute volumeAttachment. Value: tag. Additional properties are not allowed ('tag' was unexpected)");
    if (body.delete_on_termination !== undefined && !v.atLeast('2.79')) {
      throw badRequest("Invalid input for field/attribute volumeAttachment. Value: delete_on_termination. Additional properties are not allowed ('delete_on_termination' was unexpected)");
    }
    const row = await load(req, res, 'os_compute_api:os-volumes-attachments:create');
    const volume = await getVolume(deps.db, body.volumeId);
    if (!volume || (!res.locals.auth.isAdmin && volume.project_id !== row.project_id)) throw new ApiError(404, `Volume ${body.volumeId} could not be found.`);
    if (!VOLUME_VM_STATES.includes(row.vm_state) || !row.host) {
      throw new ApiError(409, `Cannot 'attach_volume' instance ${row.uuid} while it is in vm_state ${row.vm_state}`);
    }
    const device = nextDevice(row);
    const requestId = res.locals.requestId;
    const workflowId = powerActionWorkflowId(row.uuid, 'attach_volume', requestId);
    // Reserving first takes the volume for this server at once; a second request for it gets Cinder's 400.
    const attachment = await createAttachment(deps.db, deps.dataDir, { volumeId: volume.id, instanceUuid: row.uuid });
    try {
      await recordAction(res, row, 'attach_volume', workflowId);
    } catch (err) {
      await deleteAttachment(deps.db, attachment.id);
      throw err;
    }
    const record: AttachedVolumeRecord = {
      id: volume.id, delete_on_termination: body.delete_on_termination ?? false, device, attachment_id: attachment.id, tag: body.tag ?? null,
    };
    await start('attachVolumeToInstance', workflowId, row, 'attach_volume', requestId, {
      uuid: row.uuid, requestId, host: row.host, volumeId: volume.id, attachmentId: attachment.id, device,
      deleteOnTermination: record.delete_on_termination, tag: record.tag,
    });
    res.json({ volumeAttachment: view(row, record, res) });
  });

  bind(router, 'detachVolume', opts, async (req, res) => {
    const row = await load(req, res, 'os_compute_api:os-volumes-attachments:delete');
    const attached = attachedOrNotFound(row, param(req, 'volume_id'));
    if (row.image_ref === '' && attached.device === 'vda') throw badRequest('Cannot detach a root device volume');
    if (!row.host) throw new ApiError(409, `Cannot 'detach_volume' instance ${row.uuid} while it is in vm_state ${row.vm_state}`);
    const requestId = res.locals.requestId;
    const workflowId = powerActionWorkflowId(row.uuid, 'detach_volume', requestId);
    await recordAction(res, row, 'detach_volume', workflowId);
    await start('detachVolumeFromInstance', workflowId, row, 'detach_volume', requestId, {
      uuid: row.uuid, requestId, host: row.host, volumeId: attached.id, attachmentId: attached.attachment_id ?? null,
    });
    res.status(202).end();
  });

  return router;
}
