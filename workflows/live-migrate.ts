/**
 * Live migration (`instance-<uuid>-live-migration-<request id>`): the guest keeps running while its memory is
 * copied to another host, round by round, each round an activity on the source whose progress lands on the
 * migration record (`servers/{id}/migrations` shows it). Signals from the API abort it (the destination guest and
 * claim go, the server stays where it was) or force it to complete (the guest pauses for the last round). The
 * API has recorded the action, the migration (queued) and task_state migrating.
 */
import { defineSignal, isCancellation, proxyActivities, proxyLocalActivities, setHandler, upsertSearchAttributes } from '@temporalio/workflow';
import type { ControlActivities } from '../activities/control/index.ts';
import type { FlavorSnapshot, InstanceEvent, MigrationChanges } from '../activities/control/instances/events.ts';
import type { MovePlacement } from '../activities/control/moves.ts';
import type { PowerStateValue } from '../activities/host/driver.ts';
import type { HostActivities } from '../activities/host/index.ts';
import { controllerDb, hostAction, hostCleanup, scheduling } from './activity-profiles.ts';
import { eventRecorder, failureMessage, failureType } from './failures.ts';
import { migrationUpdate, noValidHostEvents, type MoveInput } from './move-steps.ts';
import { Host } from './search-attributes.ts';
import { hostTaskQueue } from './task-queues.ts';

export interface LiveMigrateInput extends MoveInput {
  flavor: FlavorSnapshot;
  /** The guest's power state now (running or paused); it has the same one on the destination. */
  powerState: PowerStateValue;
}

/** Each carries the request id of the instance action the API recorded for it (live_migration_cancel / _force_complete). */
export const abortLiveMigrationSignal = defineSignal<[{ requestId: string }]>('abortLiveMigration');
export const forceCompleteLiveMigrationSignal = defineSignal<[{ requestId: string }]>('forceCompleteLiveMigration');

const control = proxyActivities<ControlActivities>(controllerDb);
const scheduler = proxyLocalActivities<ControlActivities>(scheduling);
const onHost = (host: string) => proxyActivities<HostActivities>({ ...hostAction, taskQueue: hostTaskQueue(host) });
const cleanupOn = (host: string) => proxyActivities<HostActivities>({ ...hostCleanup, taskQueue: hostTaskQueue(host) });


export async function liveMigrateInstance(input: LiveMigrateInput): Promise<'completed' | 'cancelled' | 'failed'> {
  const { uuid, requestId, migrationUuid, sourceHost } = input;
  const record = eventRecorder(uuid, requestId);
  const migration = (changes: MigrationChanges) => migrationUpdate(migrationUuid, changes);
  const abortRequests: string[] = [];
  const forceRequests: string[] = [];
  setHandler(abortLiveMigrationSignal, ({ requestId: r }) => void abortRequests.push(r));
  setHandler(forceCompleteLiveMigrationSignal, ({ requestId: r }) => void forceRequests.push(r));
  const aborted = () => abortRequests.length > 0;
  const forced = () => forceRequests.length > 0;
  /** Ends the instance actions of the abort or force-complete requests with their event's result. */
  const endRequest = (requests: string[], event: string, ok: boolean, details: string | null): InstanceEvent[] =>
    requests.flatMap((request) => [
      { type: 'action_event_finished', request_id: request, event, result: ok ? 'Success' : 'Error', details } as const,
      { type: 'action_finished', request_id: request, ...(ok ? {} : { message: 'Error' }) } as const,
    ]);
  const ABORT_EVENT = 'compute_live_migration_abort';
  const FORCE_EVENT = 'compute_live_migration_force_complete';
  let open = 'conductor_live_migrate_instance';

  await record([{ type: 'action_event_started', request_id: requestId, event: open, host: null }], 'schedule-start');
  let dest: MovePlacement;
  try {
    dest = await scheduler.scheduleMove({
      uuid, migrationUuid, flavor: input.flavor, sourceHost, holdSourceWithMigration: true, allowSameHost: false, requestedHost: input.targetHost,
    });
  } catch (err) {
    if (failureType(err) !== 'NoValidHost') throw err;
    await record([...noValidHostEvents(input, open, err, { type: 'state', task_state: null }), ...endRequest(abortRequests, ABORT_EVENT, true, null)], 'no-valid-host');
    return 'failed';
  }
  upsertSearchAttributes([{ key: Host, value: dest.host }]);

  const rollBack = async (status: 'cancelled' | 'failed', err?: unknown) => {
    await cleanupOn(dest.host).destroyGuest(uuid).catch(() => undefined);
    await control.guestSpecOn({ uuid, host: sourceHost, flavor: input.flavor });
    await control.revertMoveAllocations({ uuid, migrationUuid });
    await record(
      [
        { type: 'action_event_finished', request_id: requestId, event: open, result: status === 'cancelled' ? 'Success' : 'Error', traceback: err ? failureMessage(err) : null, details: status === 'cancelled' ? 'aborted by request' : null },
        migration({ status }),
        { type: 'state', task_state: null },
        { type: 'action_finished', request_id: requestId, ...(status === 'failed' ? { message: 'Error' } : {}) },
        ...endRequest(abortRequests, ABORT_EVENT, status === 'cancelled', null),
        ...endRequest(forceRequests, FORCE_EVENT, false, 'The live migration ended before it completed.'),
      ],
      `rolled-back-${status}`,
    );
    return status;
  };

  try {
    await record(
      [
        { type: 'action_event_finished', request_id: requestId, event: open, result: 'Success' },
        migration({ dest_compute: dest.host, dest_node: dest.node, dest_host: dest.hostIp, status: 'preparing' }),
        { type: 'action_event_started', request_id: requestId, event: (open = 'compute_pre_live_migration'), host: dest.host },
      ],
      'preparing',
    );
    const spec = await control.guestSpecOn({ uuid, host: sourceHost, flavor: input.flavor });
    await onHost(dest.host).prepareIncomingGuest({ spec });
    if (aborted()) return await rollBack('cancelled');
    await record(
      [
        { type: 'action_event_finished', request_id: requestId, event: open, result: 'Success' },
        migration({ status: 'running' }),
        { type: 'action_event_started', request_id: requestId, event: (open = 'compute_live_migration'), host: sourceHost },
      ],
      'running',
    );
    for (let round = 1; ; round++) {
      if (aborted()) return await rollBack('cancelled');
      const progress = await onHost(sourceHost).liveMigrationStep({ uuid, destHost: dest.host, round, forceComplete: forced() });
      await record(
        [migration({ memory_total: progress.memoryTotal, memory_processed: progress.memoryProcessed, memory_remaining: progress.memoryRemaining, disk_total: 0, disk_processed: 0, disk_remaining: 0 })],
        `round-${round}`,
      );
      if (progress.done) break;
    }
  } catch (err) {
    if (isCancellation(err)) throw err;
    return rollBack('failed', err);
  }
  // Past the last round the guest lives on the destination: no rollback any more (these steps only go forward).
  const state = await onHost(dest.host).finishIncomingGuest({ uuid, powerState: input.powerState });
  await control.guestSpecOn({ uuid, host: dest.host, flavor: input.flavor });
  await cleanupOn(sourceHost).destroyGuest(uuid).catch(() => undefined);
  await control.confirmMoveAllocations({ migrationUuid });
  await record(
    [
      { type: 'scheduled', host: dest.host, node: dest.node },
      { type: 'state', task_state: null, power_state: state.powerState },
      migration({ status: 'completed' }),
      { type: 'action_event_finished', request_id: requestId, event: open, result: 'Success', details: forced() ? 'Forced to complete on request.' : null },
      { type: 'action_finished', request_id: requestId },
      ...endRequest(forceRequests, FORCE_EVENT, true, null),
      ...endRequest(abortRequests, ABORT_EVENT, false, 'The live migration had completed; nothing to abort.'),
    ],
    'completed',
  );
  return 'completed';
}
