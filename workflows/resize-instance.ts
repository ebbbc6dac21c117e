/**
 * Resize and cold migration (one workflow, `instance-<uuid>-<resize|migrate>-<request id>`), and the confirm and
 * revert that end them. The API has recorded the action, the migration (pre-migrating) and task_state
 * resize_prep. The workflow claims a destination (the source allocation passes to the migration), powers the guest
 * off on the source, brings it up with the new flavor on the destination and leaves the server in VERIFY_RESIZE
 * with resources held on both hosts. A failure after scheduling undoes everything: the destination guest and claim
 * go, the source allocation returns, the guest runs again on the source with its old flavor, and the server keeps
 * its vm_state (Nova would leave it in ERROR). With a confirm window, the workflow confirms on its own once the
 * window has passed (a durable timer), unless the user confirmed or reverted first.
 */
import {
  isCancellation,
  ParentClosePolicy,
  proxyActivities,
  proxyLocalActivities,
  sleep,
  startChild,
  upsertSearchAttributes,
  uuid4,
  workflowInfo,
} from '@temporalio/workflow';
import type { ControlActivities } from '../activities/control/index.ts';
import type { FlavorSnapshot, InstanceEvent } from '../activities/control/instances/events.ts';
import type { MovePlacement } from '../activities/control/moves.ts';
import type { HostActivities } from '../activities/host/index.ts';
import { controllerDb, hostAction, hostCleanup, hostSpawn, recordLocally, scheduling } from './activity-profiles.ts';
import { eventRecorder, failureMessage, failureType } from './failures.ts';
import { migrationUpdate, noValidHostEvents, type MoveInput } from './move-steps.ts';
import { Host, Operation, RequestId } from './search-attributes.ts';
import { autoConfirmWorkflowId } from './instance-states.ts';
import { hostTaskQueue } from './task-queues.ts';

export interface ResizeInput extends MoveInput {
  kind: 'resize' | 'migration';
  oldFlavor: FlavorSnapshot;
  newFlavor: FlavorSnapshot;
  /** vm_state when the move began: `active` guests run again after it, `stopped` ones stay off. */
  vmState: string;
  /** The root disk is a volume: the flavor's disk size does not apply to it. */
  volumeBacked?: boolean;
  allowSameHost: boolean;
  /** Seconds after which a resize still waiting is confirmed on its own; 0: never (Nova's resize_confirm_window). */
  confirmWindowSeconds: number;
}

export interface ConfirmInput {
  uuid: string;
  requestId: string;
  migrationUuid: string;
  sourceHost: string;
  destHost: string;
  vmState: string;
}

export interface RevertInput extends ConfirmInput {
  sourceNode: string;
  oldFlavor: FlavorSnapshot;
}

const control = proxyActivities<ControlActivities>(controllerDb);
const local = proxyLocalActivities<ControlActivities>(recordLocally);
const scheduler = proxyLocalActivities<ControlActivities>(scheduling);
const onHost = (host: string) => proxyActivities<HostActivities>({ ...hostAction, taskQueue: hostTaskQueue(host) });
const spawnOn = (host: string) => proxyActivities<HostActivities>({ ...hostSpawn, taskQueue: hostTaskQueue(host) });
const cleanupOn = (host: string) => proxyActivities<HostActivities>({ ...hostCleanup, taskQueue: hostTaskQueue(host) });

const migration = migrationUpdate;


export async function resizeInstance(input: ResizeInput): Promise<'resized' | 'failed'> {
  const { uuid, requestId, migrationUuid, sourceHost } = input;
  const record = eventRecorder(uuid, requestId);
  const powerOn = input.vmState === 'active';
  let open = 'conductor_migrate_server';
  const started = (event: string, host?: string): InstanceEvent => ((open = event), { type: 'action_event_started', request_id: requestId, event, host: host ?? null });
  const finished = (event: string): InstanceEvent => ({ type: 'action_event_finished', request_id: requestId, event, result: 'Success' });

  if (!input.volumeBacked && input.newFlavor.root_gb < input.oldFlavor.root_gb) {
    // Nova's drivers refuse to shrink a local disk once the move has begun; here it is refused before anything moves.
    await record(
      [
        { type: 'action_event_started', request_id: requestId, event: 'compute_resize_instance', host: sourceHost },
        { type: 'action_event_finished', request_id: requestId, event: 'compute_resize_instance', result: 'Error', traceback: 'Resize error: Unable to resize disk down.' },
        migration(migrationUuid, { status: 'error' }),
        { type: 'state', task_state: null },
        { type: 'action_finished', request_id: requestId, message: 'Error' },
      ],
      'disk-down',
    );
    return 'failed';
  }
  await record([started(open)], 'schedule-start');
  let dest: MovePlacement;
  try {
    dest = await scheduler.scheduleMove({
      uuid, migrationUuid, flavor: input.newFlavor, sourceHost, holdSourceWithMigration: true, allowSameHost: input.allowSameHost, requestedHost: input.targetHost,
    });
  } catch (err) {
    if (failureType(err) !== 'NoValidHost') throw err;
    await record(noValidHostEvents(input, open, err, { type: 'state', task_state: null }), 'no-valid-host');
    return 'failed';
  }
  upsertSearchAttributes([{ key: Host, value: dest.host }]);
  const sameHost = dest.host === sourceHost;

  try {
    await record(
      [
        finished(open),
        migration(migrationUuid, { dest_compute: dest.host, dest_node: dest.node, dest_host: dest.hostIp, status: 'migrating' }),
        started('compute_prep_resize', dest.host),
        finished('compute_prep_resize'),
        started('compute_resize_instance', sourceHost),
        { type: 'state', task_state: 'resize_migrating' },
      ],
      'migrating',
    );
    await onHost(sourceHost).prepareMoveSource({ uuid });
    const spec = await control.guestSpecOn({ uuid, host: dest.host, flavor: input.newFlavor });
    await record(
      [
        { type: 'state', task_state: 'resize_migrated', power_state: 4 },
        migration(migrationUuid, { status: 'post-migrating' }),
        finished('compute_resize_instance'),
        started('compute_finish_resize', dest.host),
        { type: 'state', task_state: 'resize_finish' },
      ],
      'migrated',
    );
    const state = await spawnOn(dest.host).finishMove({ spec, powerOn });
    await record(
      [
        { type: 'scheduled', host: dest.host, node: dest.node },
        { type: 'flavor_changed', flavor: input.newFlavor },
        { type: 'state', vm_state: 'resized', task_state: null, power_state: state.powerState },
        migration(migrationUuid, { status: 'finished' }),
        finished('compute_finish_resize'),
        { type: 'action_finished', request_id: requestId },
      ],
      'finished',
    );
  } catch (err) {
    if (isCancellation(err)) throw err;
    // Undo: the destination's guest and claim go; the guest runs again on the source with its old flavor.
    if (!sameHost) await cleanupOn(dest.host).destroyGuest(uuid).catch(() => undefined);
    const oldSpec = await control.guestSpecOn({ uuid, host: sourceHost, flavor: input.oldFlavor });
    await control.revertMoveAllocations({ uuid, migrationUuid });
    const restored = await onHost(sourceHost).finishMove({ spec: oldSpec, powerOn }).catch(() => undefined);
    await record(
      [
        { type: 'action_event_finished', request_id: requestId, event: open, result: 'Error', traceback: failureMessage(err) },
        migration(migrationUuid, { status: 'error' }),
        { type: 'state', task_state: null, ...(restored ? { power_state: restored.powerState } : {}) },
        { type: 'action_finished', request_id: requestId, message: 'Error' },
      ],
      'undone',
    );
    return 'failed';
  }

  if (input.confirmWindowSeconds > 0) {
    // The timer runs in a workflow of its own, so the resize (and a runbook waiting on it) ends at VERIFY_RESIZE.
    await startChild(autoConfirmResize, {
      workflowId: autoConfirmWorkflowId(uuid, migrationUuid),
      args: [{ uuid, migrationUuid, sourceHost, destHost: dest.host, vmState: input.vmState, windowSeconds: input.confirmWindowSeconds }],
      parentClosePolicy: ParentClosePolicy.ABANDON,
      typedSearchAttributes: workflowInfo().typedSearchAttributes.updateCopy([{ key: Operation, value: 'confirmResize' }]),
    });
  }
  return 'resized';
}

/**
 * Nova's resize_confirm_window: after `windowSeconds` (a durable timer) a resize still waiting is confirmed, with
 * a `confirmResize` action of its own; one the user confirmed or reverted meanwhile is left alone.
 */
export async function autoConfirmResize(input: Omit<ConfirmInput, 'requestId'> & { windowSeconds: number }): Promise<'confirmed' | 'skipped'> {
  await sleep(input.windowSeconds * 1000);
  const requestId = `req-${uuid4()}`;
  upsertSearchAttributes([{ key: RequestId, value: requestId }]);
  const begun = await local.beginAutoConfirm({ uuid: input.uuid, migrationUuid: input.migrationUuid, requestId, workflowId: workflowInfo().workflowId });
  if (!begun) return 'skipped';
  return confirmResize({ uuid: input.uuid, requestId, migrationUuid: input.migrationUuid, sourceHost: input.sourceHost, destHost: input.destHost, vmState: input.vmState });
}

/** Confirm: the source guest and the source allocation (held by the migration) go; the server is ACTIVE again. */
export async function confirmResize(input: ConfirmInput): Promise<'confirmed'> {
  const { uuid, requestId } = input;
  const record = eventRecorder(uuid, requestId);
  await record([{ type: 'action_event_started', request_id: requestId, event: 'compute_confirm_resize', host: input.sourceHost }], 'start');
  let note: string | undefined;
  if (input.sourceHost !== input.destHost) {
    // A source host that is away keeps the stale guest until it is cleaned by hand; the resources are freed anyway.
    await cleanupOn(input.sourceHost).destroyGuest(uuid).catch((err) => void (note = failureMessage(err)));
  }
  await control.confirmMoveAllocations({ migrationUuid: input.migrationUuid });
  await record(
    [
      { type: 'state', vm_state: input.vmState === 'stopped' ? 'stopped' : 'active', task_state: null },
      migration(input.migrationUuid, { status: 'confirmed' }),
      { type: 'action_event_finished', request_id: requestId, event: 'compute_confirm_resize', result: 'Success', details: note ?? null },
      { type: 'action_finished', request_id: requestId },
    ],
    'done',
  );
  return 'confirmed';
}

/** Revert: the destination guest and claim go; the guest runs on the source again with its old flavor. */
export async function revertResize(input: RevertInput): Promise<'reverted' | 'failed'> {
  const { uuid, requestId, migrationUuid } = input;
  const record = eventRecorder(uuid, requestId);
  let open = 'compute_revert_resize';
  try {
    await record([migration(migrationUuid, { status: 'reverting' }), { type: 'action_event_started', request_id: requestId, event: open, host: input.destHost }], 'start');
    if (input.sourceHost !== input.destHost) await onHost(input.destHost).destroyGuest(uuid);
    const spec = await control.guestSpecOn({ uuid, host: input.sourceHost, flavor: input.oldFlavor });
    await control.revertMoveAllocations({ uuid, migrationUuid });
    open = 'compute_finish_revert_resize';
    await record(
      [
        // From here the server is the source's again (its allocation and ports are), even if the restart fails.
        { type: 'scheduled', host: input.sourceHost, node: input.sourceNode },
        { type: 'action_event_finished', request_id: requestId, event: 'compute_revert_resize', result: 'Success' },
        { type: 'action_event_started', request_id: requestId, event: open, host: input.sourceHost },
      ],
      'finish-start',
    );
    const state = await spawnOn(input.sourceHost).finishMove({ spec, powerOn: input.vmState === 'active' });
    await record(
      [
        { type: 'flavor_changed', flavor: input.oldFlavor },
        { type: 'state', vm_state: input.vmState === 'stopped' ? 'stopped' : 'active', task_state: null, power_state: state.powerState },
        migration(migrationUuid, { status: 'reverted' }),
        { type: 'action_event_finished', request_id: requestId, event: open, result: 'Success' },
        { type: 'action_finished', request_id: requestId },
      ],
      'done',
    );
    return 'reverted';
  } catch (err) {
    if (isCancellation(err)) throw err;
    await record(
      [
        { type: 'action_event_finished', request_id: requestId, event: open, result: 'Error', traceback: failureMessage(err) },
        migration(migrationUuid, { status: 'error' }),
        { type: 'failed', fault: { code: 500, message: `Failed to revert the resize of instance ${uuid}.`, details: failureMessage(err) } },
        { type: 'action_finished', request_id: requestId, message: 'Error' },
      ],
      'failed',
    );
    return 'failed';
  }
}
