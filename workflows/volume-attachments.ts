/**
 * Attaching a volume to a running server and detaching it, one workflow each (id
 * `instance-<uuid>-attach_volume-<request id>` / `...-detach_volume-...`). The API has reserved the attachment
 * (so no other server can take the volume) and recorded the instance action; the workflow connects the volume to
 * the server's host, hot-plugs the disk there, completes the attachment and records it on the instance. A failure
 * undoes what it did: the disk is unplugged and the attachment released, so the volume is available again.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { ControlActivities } from '../activities/control/index.ts';
import type { HostActivities } from '../activities/host/index.ts';
import { controllerDb, hostAction, hostCleanup } from './activity-profiles.ts';
import { eventRecorder, failureMessage } from './failures.ts';
import { hostTaskQueue } from './task-queues.ts';

export interface AttachVolumeInput {
  uuid: string;
  requestId: string;
  host: string;
  volumeId: string;
  attachmentId: string;
  device: string;
  deleteOnTermination: boolean;
  tag: string | null;
}

export interface DetachVolumeInput {
  uuid: string;
  requestId: string;
  host: string;
  volumeId: string;
  attachmentId: string | null;
}

const control = proxyActivities<ControlActivities>(controllerDb);

export async function attachVolumeToInstance(input: AttachVolumeInput): Promise<'attached' | 'failed'> {
  const { uuid, requestId } = input;
  const record = eventRecorder(uuid, requestId);
  const event = 'compute_attach_volume';
  const host = proxyActivities<HostActivities>({ ...hostAction, taskQueue: hostTaskQueue(input.host) });
  await record([{ type: 'action_event_started', request_id: requestId, event, host: input.host }], 'start');
  try {
    const disk = await control.connectVolume({ uuid, host: input.host, attachmentId: input.attachmentId, device: input.device });
    await host.attachGuestVolume({ uuid, disk });
    const [attached] = await control.completeVolumeAttachments({
      uuid,
      attachments: [{ attachmentId: input.attachmentId, device: input.device, deleteOnTermination: input.deleteOnTermination, tag: input.tag }],
    });
    await record(
      [
        { type: 'volume_attached', volume: attached! },
        { type: 'action_event_finished', request_id: requestId, event, result: 'Success' },
        { type: 'action_finished', request_id: requestId },
      ],
      'done',
    );
    return 'attached';
  } catch (err) {
    const cleanup = proxyActivities<HostActivities>({ ...hostCleanup, taskQueue: hostTaskQueue(input.host) });
    await cleanup.detachGuestVolume({ uuid, volumeId: input.volumeId }).catch(() => undefined);
    await control.releaseAttachment({ attachmentId: input.attachmentId });
    await record(
      [
        { type: 'action_event_finished', request_id: requestId, event, result: 'Error', traceback: failureMessage(err) },
        { type: 'action_finished', request_id: requestId, message: 'Error' },
      ],
      'failed',
    );
    return 'failed';
  }
}

export async function detachVolumeFromInstance(input: DetachVolumeInput): Promise<'detached' | 'failed'> {
  const { uuid, requestId } = input;
  const record = eventRecorder(uuid, requestId);
  const event = 'compute_detach_volume';
  const host = proxyActivities<HostActivities>({ ...hostAction, taskQueue: hostTaskQueue(input.host) });
  await record([{ type: 'action_event_started', request_id: requestId, event, host: input.host }], 'start');
  try {
    await host.detachGuestVolume({ uuid, volumeId: input.volumeId });
    if (input.attachmentId) await control.releaseAttachment({ attachmentId: input.attachmentId });
    await record(
      [
        { type: 'volume_detached', volume_id: input.volumeId },
        { type: 'action_event_finished', request_id: requestId, event, result: 'Success' },
        { type: 'action_finished', request_id: requestId },
      ],
      'done',
    );
    return 'detached';
  } catch (err) {
    await record(
      [
        { type: 'action_event_finished', request_id: requestId, event, result: 'Error', traceback: failureMessage(err) },
        { type: 'action_finished', request_id: requestId, message: 'Error' },
      ],
      'failed',
    );
    return 'failed';
  }
}
