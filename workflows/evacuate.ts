/**
 * Evacuation (`instance-<uuid>-evacuate-<request id>`): the server's host is down, so the server is rebuilt on
 * another host from its image and volumes, keeping its ports. The instance claims the destination and keeps its
 * allocation on the dead host until that host returns and is cleaned (the host monitor does it: the guest left
 * there is destroyed and the allocation released). The API has checked the source service is down and recorded
 * the action, the migration (accepted) and task_state rebuilding. With no host to go to, the server is left in
 * ERROR (as Nova does), still on its dead host.
 */
import { isCancellation, proxyActivities, proxyLocalActivities, upsertSearchAttributes } from '@temporalio/workflow';
import type { ControlActivities } from '../activities/control/index.ts';
import type { FlavorSnapshot, MigrationChanges } from '../activities/control/instances/events.ts';
import type { MovePlacement } from '../activities/control/moves.ts';
import type { HostActivities } from '../activities/host/index.ts';
import { controllerDb, hostCleanup, hostSpawn, scheduling } from './activity-profiles.ts';
import { eventRecorder, failureMessage, failureType } from './failures.ts';
import { migrationUpdate, noValidHostEvents, type MoveInput } from './move-steps.ts';
import { Host } from './search-attributes.ts';
import { hostTaskQueue } from './task-queues.ts';

export interface EvacuateInput extends MoveInput {
  flavor: FlavorSnapshot;
  /** The vm_state the server ends in: `stopped` from microversion 2.95 on, or when it was stopped. */
  finalVmState: 'active' | 'stopped';
}

const control = proxyActivities<ControlActivities>(controllerDb);
const scheduler = proxyLocalActivities<ControlActivities>(scheduling);
const spawnOn = (host: string) => proxyActivities<HostActivities>({ ...hostSpawn, taskQueue: hostTaskQueue(host) });
const cleanupOn = (host: string) => proxyActivities<HostActivities>({ ...hostCleanup, taskQueue: hostTaskQueue(host) });

export async function evacuateInstance(input: EvacuateInput): Promise<'done' | 'failed'> {
  const { uuid, requestId, migrationUuid, sourceHost } = input;
  const record = eventRecorder(uuid, requestId);
  const migration = (changes: MigrationChanges) => migrationUpdate(migrationUuid, changes);
  let open = 'rebuild_server';

  await record([{ type: 'action_event_started', request_id: requestId, event: open, host: null }], 'schedule-start');
  // Allocations the instance already holds (its dead host's, and an earlier evacuation's dead host's) are not this move's.
  const heldBefore = await scheduler.allocationHosts({ uuid });
  let dest: MovePlacement;
  try {
    dest = await scheduler.scheduleMove({
      uuid, migrationUuid, flavor: input.flavor, sourceHost, holdSourceWithMigration: false, allowSameHost: false, requestedHost: input.targetHost, heldBefore,
    });
  } catch (err) {
    if (failureType(err) !== 'NoValidHost') throw err;
    const fault = { code: 500, message: 'No valid host was found. ', details: failureMessage(err) };
    await record(noValidHostEvents(input, open, err, { type: 'failed', fault }), 'no-valid-host');
    return 'failed';
  }
  upsertSearchAttributes([{ key: Host, value: dest.host }]);

  try {
    await record(
      [
        { type: 'action_event_finished', request_id: requestId, event: open, result: 'Success' },
        migration({ dest_compute: dest.host, dest_node: dest.node, dest_host: dest.hostIp, status: 'pre-migrating' }),
        { type: 'action_event_started', request_id: requestId, event: (open = 'compute_rebuild_instance'), host: dest.host },
        { type: 'state', task_state: 'rebuild_block_device_mapping' },
      ],
      'rebuilding',
    );
    const spec = await control.guestSpecOn({ uuid, host: dest.host, flavor: input.flavor });
    await record([{ type: 'state', task_state: 'rebuild_spawning' }], 'spawning');
    const host = spawnOn(dest.host);
    if (spec.image) await host.fetchImage(spec.image);
    let state = await host.defineDomain(spec);
    if (input.finalVmState === 'active') state = await host.startDomain({ uuid });
    await record(
      [
        { type: 'scheduled', host: dest.host, node: dest.node },
        { type: 'state', vm_state: input.finalVmState, task_state: null, power_state: state.powerState },
        migration({ status: 'done' }),
        { type: 'action_event_finished', request_id: requestId, event: open, result: 'Success' },
        { type: 'action_finished', request_id: requestId },
      ],
      'done',
    );
    return 'done';
  } catch (err) {
    if (isCancellation(err)) throw err;
    await cleanupOn(dest.host).destroyGuest(uuid).catch(() => undefined);
    await control.releaseHostAllocations({ uuid, host: dest.host });
    await record(
      [
        { type: 'action_event_finished', request_id: requestId, event: open, result: 'Error', traceback: failureMessage(err) },
        migration({ status: 'failed' }),
        { type: 'failed', fault: { code: 500, message: `Evacuation of instance ${uuid} failed.`, details: failureMessage(err) } },
        { type: 'action_finished', request_id: requestId, message: 'Error' },
      ],
      'failed',
    );
    return 'failed';
  }
}
