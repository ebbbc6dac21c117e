/**
 * `deleteInstance` (id `instance-<uuid>-delete`): stops a build still running and waits until it has undone its
 * own work, destroys
 * the guest on its host (skipped when the host is down: Nova's local delete), frees its ports and volumes (deleting
 * those marked delete_on_termination), releases the claims and records
 * the instance deleted. The API has already set task_state `deleting` and recorded the `delete` action.
 */
import { proxyActivities, proxyLocalActivities, workflowInfo } from '@temporalio/workflow';
import type { ControlActivities } from '../activities/control/index.ts';
import type { HostActivities } from '../activities/host/index.ts';
import { awaitWorkflow, controllerDb, hostCleanup, recordLocally } from './activity-profiles.ts';
import { hostTaskQueue } from './task-queues.ts';

export interface DeleteInput {
  uuid: string;
  requestId: string;
  /** Ports the user brought: unbound, not deleted. */
  userPorts: string[];
}

const control = proxyActivities<ControlActivities>(controllerDb);
const waiting = proxyActivities<ControlActivities>(awaitWorkflow);
/** Short bookkeeping reads and writes, run locally in the controller worker. */
const local = proxyLocalActivities<ControlActivities>(recordLocally);
const DELETE_EVENT = 'compute_terminate_instance';

export async function deleteInstance(input: DeleteInput): Promise<void> {
  const { uuid, requestId } = input;
  const workflowId = workflowInfo().workflowId;
  // A build still running is cancelled and undoes its own work, and so is a move under way (delete wins, as in
  // Nova); every step below is idempotent after them.
  await waiting.stopBuild({ uuid });
  await waiting.stopMoves({ uuid });

  const where = await local.instanceLocation({ uuid });
  if (!where) return;
  await local.recordEvents({
    uuid, requestId, workflowId, idemKey: `${workflowId}:start`,
    events: [{ type: 'action_event_started', request_id: requestId, event: DELETE_EVENT, host: where.host }],
  });
  if (where.host && where.hostUp) {
    const host = proxyActivities<HostActivities>({ ...hostCleanup, taskQueue: hostTaskQueue(where.host) });
    await host.destroyGuest(uuid);
  }
  // A move's other host may hold the guest too (a resize's source); one that is away cleans up when it returns.
  const leftovers = await local.moveLeftovers({ uuid });
  for (const other of leftovers.hosts.filter((h) => h !== where.host)) {
    const host = proxyActivities<HostActivities>({ ...hostCleanup, taskQueue: hostTaskQueue(other) });
    await host.destroyGuest(uuid).catch(() => undefined);
  }
  await control.deallocateNetwork({ uuid, userPorts: input.userPorts });
  await local.detachVolumes({ uuid, deleteOnTermination: true });
  await control.releaseClaims({ uuid });
  for (const migrationUuid of leftovers.migrationUuids) await control.confirmMoveAllocations({ migrationUuid });
  await local.recordEvents({
    uuid, requestId, workflowId, idemKey: `${workflowId}:done`,
    events: [
      { type: 'deleted' },
      { type: 'action_event_finished', request_id: requestId, event: DELETE_EVENT, result: 'Success' },
      { type: 'action_finished', request_id: requestId },
    ],
  });
}
