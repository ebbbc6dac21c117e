/**
 * `buildInstance` (id `instance-<uuid>-create`): one server's build, step by step, each step an activity with its
 * own timeout and retry policy: re-check auth → schedule and claim → (networking) → (block devices) → fetch image
 * and spawn on `compute.<host>` → active. A failure on a host undoes that host's work and releases its claim, then
 * the next alternate is claimed; with none left the server goes to ERROR with Nova's fault. Cancelled (the server
 * was deleted meanwhile), it undoes what it made before it ends.
 */
import {
  CancellationScope,
  isCancellation,
  proxyActivities,
  proxyLocalActivities,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { Placement } from '../activities/control/build.ts';
import type { ControlActivities } from '../activities/control/index.ts';
import type { RequestedNetwork } from '../activities/control/network.ts';
import type { RequestedBlockDevice } from '../activities/control/volumes.ts';
import type { RequestSpec } from '../activities/control/scheduler/types.ts';
import type { DomainSpec, VolumeDisk } from '../activities/host/driver.ts';
import type { HostActivities } from '../activities/host/index.ts';
import { controllerDb, hostCleanup, hostSpawn, recordLocally, scheduling } from './activity-profiles.ts';
import { eventRecorder, failureMessage, failureType } from './failures.ts';
import { Host } from './search-attributes.ts';
import { hostTaskQueue } from './task-queues.ts';

export interface BuildInput {
  uuid: string;
  requestId: string;
  projectId: string;
  userId: string;
  spec: RequestSpec;
  /** The guest to build; its interfaces come from the network allocation. */
  domain: DomainSpec;
  networks: RequestedNetwork[];
  /** Volumes to attach (the root disk first when the server boots from a volume). */
  blockDevices?: RequestedBlockDevice[];
  maxAttempts: number;
}

const control = proxyActivities<ControlActivities>(controllerDb);
/** Short bookkeeping writes, run locally in the controller worker. */
const events = proxyLocalActivities<ControlActivities>(recordLocally);
/**
 * Re-checking auth and scheduling read and claim in PostgreSQL from the controller that runs this workflow, in well
 * under a second: local activities (recorded in the history as markers), which saves two task queue round trips.
 */
const scheduler = proxyLocalActivities<ControlActivities>(scheduling);
const onHost = (host: string) => proxyActivities<HostActivities>({ ...hostSpawn, taskQueue: hostTaskQueue(host) });
const cleanupOn = (host: string) => proxyActivities<HostActivities>({ ...hostCleanup, taskQueue: hostTaskQueue(host) });

const BUILD_EVENT = 'compute__do_build_and_run_instance';
/** Failures another host would not fix: the build aborts instead of rescheduling (as Nova's BuildAbortException). */
const NOT_RESCHEDULED = ['NetworkAllocationFailed', 'VolumeSetupFailed', 'ImageFetchError', 'UnsupportedHardware'];
const SCHEDULE_EVENT = 'conductor_schedule_and_build_instances';

const userPorts = (input: BuildInput) => input.networks.flatMap((n) => (n.portId ? [n.portId] : []));

export async function buildInstance(input: BuildInput): Promise<'active' | 'error'> {
  const { uuid, requestId } = input;
  const record = eventRecorder(uuid, requestId);

  let placement: Placement | undefined;
  /** Destroys what the host may have made (a host that cannot be reached cleans up when it returns) and frees its claim. */
  const undoOnHost = async (p: Placement) => {
    await cleanupOn(p.host).destroyGuest(uuid).catch(() => undefined);
    if (input.blockDevices?.length) await control.detachVolumes({ uuid, deleteOnTermination: false });
    await control.releaseClaims({ uuid, providerId: p.providerId });
  };

  try {
    try {
      await scheduler.checkAuth({ projectId: input.projectId, userId: input.userId });
    } catch (err) {
      if (failureType(err) !== 'NotAuthorized') throw err;
      // The project or user was disabled after the request: the server fails rather than building.
      await record(
        [
          { type: 'failed', fault: { code: 403, message: failureMessage(err) } },
          { type: 'action_finished', request_id: requestId, message: 'Error' },
        ],
        'not-authorized',
      );
      return 'error';
    }
    await record([{ type: 'action_event_started', request_id: requestId, event: SCHEDULE_EVENT }], 'schedule-start');
    let scheduled: { chosen: Placement; alternates: Placement[] };
    try {
      scheduled = await scheduler.scheduleAndClaim({ spec: input.spec, maxAttempts: input.maxAttempts });
    } catch (err) {
      if (failureType(err) !== 'NoValidHost') throw err;
      await record(
        [
          { type: 'action_event_finished', request_id: requestId, event: SCHEDULE_EVENT, result: 'Error', details: 'No valid host was found. ' },
          { type: 'failed', fault: { code: 500, message: 'No valid host was found. ', details: failureMessage(err) } },
          { type: 'action_finished', request_id: requestId, message: 'Error' },
        ],
        'no-valid-host',
      );
      return 'error';
    }
    placement = scheduled.chosen;
    let alternates = scheduled.alternates;
    await record([{ type: 'action_event_finished', request_id: requestId, event: SCHEDULE_EVENT, result: 'Success' }], 'schedule-done');

    for (let attempt = 1; ; attempt++) {
      const here: Placement = placement;
      upsertSearchAttributes([{ key: Host, value: here.host }]);
      await record(
        [
          { type: 'scheduled', host: here.host, node: here.node },
          { type: 'action_event_started', request_id: requestId, event: BUILD_EVENT, host: here.host },
          { type: 'state', task_state: 'networking' },
        ],
        `placed-${attempt}`,
      );
      try {
        const network =
          input.networks.length > 0
            ? await control.allocateNetwork({ uuid, projectId: input.projectId, host: here.host, requested: input.networks })
            : { addresses: {}, interfaces: [] };
        const devices = input.blockDevices ?? [];
        await record(
          [
            { type: 'networked', addresses: network.addresses },
            { type: 'state', task_state: 'block_device_mapping' },
            ...(devices.length ? [] : [{ type: 'state', task_state: 'spawning' } as const]),
          ],
          `networked-${attempt}`,
        );
        let volumes: VolumeDisk[] = [];
        if (devices.length) {
          volumes = await control.attachVolumes({ uuid, projectId: input.projectId, userId: input.userId, host: here.host, devices });
          await record([{ type: 'state', task_state: 'spawning' }], `volumes-${attempt}`);
        }
        const host = onHost(here.host);
        if (input.domain.image) await host.fetchImage(input.domain.image);
        await host.defineDomain({ ...input.domain, interfaces: network.interfaces, volumes });
        await host.startDomain({ uuid });
        const attached = volumes.length
          ? await control.completeVolumeAttachments({
              uuid,
              attachments: volumes.map((d) => ({ attachmentId: d.attachmentId, device: d.device, deleteOnTermination: devices.find((r) => r.volumeId === d.volumeId)?.deleteOnTermination ?? false })),
            })
          : [];
        await events.noteBuildResult({ host: here.host, failed: false });
        await record(
          [
            ...(attached.length ? [{ type: 'volumes_attached', volumes: attached } as const] : []),
            { type: 'spawned' },
            { type: 'action_event_finished', request_id: requestId, event: BUILD_EVENT, result: 'Success' },
            { type: 'action_finished', request_id: requestId },
          ],
          'active',
        );
        return 'active';
      } catch (err) {
        if (isCancellation(err)) throw err;
        await undoOnHost(here);
        await events.noteBuildResult({ host: here.host, failed: true });
        await record(
          [{ type: 'action_event_finished', request_id: requestId, event: BUILD_EVENT, result: 'Error', traceback: failureMessage(err) }],
          `host-failed-${attempt}`,
        );
        const reschedulable = !NOT_RESCHEDULED.includes(failureType(err) ?? '');
        const next =
          reschedulable && attempt < input.maxAttempts ? await control.claimAlternate({ uuid, resources: input.spec.resources, alternates }) : null;
        if (!next) {
          const message =
            reschedulable && input.maxAttempts > 1
              ? `Exceeded maximum number of retries. Exhausted all hosts available for retrying build failures for instance ${uuid}.`
              : failureMessage(err);
          await control.deallocateNetwork({ uuid, userPorts: userPorts(input) });
          if (input.blockDevices?.length) await control.detachVolumes({ uuid, deleteOnTermination: true });
          await record(
            [
              { type: 'networked', addresses: {} },
              { type: 'scheduled', host: null, node: null },
              { type: 'failed', fault: { code: 500, message, details: failureMessage(err) } },
              { type: 'action_finished', request_id: requestId, message: 'Error' },
            ],
            'retries-exhausted',
          );
          return 'error';
        }
        alternates = alternates.filter((a) => a.host !== next.host);
        placement = next;
      }
    }
  } catch (err) {
    if (!isCancellation(err)) throw err;
    // Deleted while building: undo what this build made; the delete workflow waits for this to end.
    await CancellationScope.nonCancellable(async () => {
      if (placement) await undoOnHost(placement);
      await control.deallocateNetwork({ uuid, userPorts: userPorts(input) });
      await control.releaseClaims({ uuid });
    });
    throw err;
  }
}
