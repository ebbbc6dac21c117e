/**
 * One long-running workflow per compute host (`host-monitor-<host>`), fed by heartbeat signals that the host's
 * compute worker sends through Temporal; the host needs no database credentials for it. The monitor records the
 * host up (with its inventory) on the first heartbeat or when the inventory changes, notes it seen at most twice
 * per down time, and records it down when no heartbeat came within the controller's service down time. Every
 * power-sync interval it also hands the guests' power states in the heartbeat to the power-state sync.
 */
import {
  condition,
  continueAsNew,
  defineQuery,
  defineSignal,
  patched,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { HostActivities } from '../activities/host/index.ts';
import type { HostInfo, PowerStateValue } from '../activities/host/driver.ts';
import type { ControlActivities } from '../activities/control/index.ts';
import { controllerDb, hostCleanup, hostQuery } from './activity-profiles.ts';
import { hostTaskQueue } from './task-queues.ts';

export interface Heartbeat {
  info: HostInfo;
  /** The power state of every guest on the host, for the power-state sync (absent from older workers). */
  guests?: { uuid: string; powerState: PowerStateValue }[];
}

export interface HostMonitorState {
  host: string;
  up: boolean;
  lastHeartbeatAt?: number;
  lastRecordedAt?: number;
  lastPowerSyncAt?: number;
  inventoryKey?: string;
  heartbeats: number;
}

export const heartbeatSignal = defineSignal<[Heartbeat]>('heartbeat');
/** The host's service changed (forced down lifted): guests evacuated away from it may be cleaned now. */
export const serviceChangedSignal = defineSignal('serviceChanged');
export const hostMonitorStateQuery = defineQuery<HostMonitorState>('state');

const db = proxyActivities<ControlActivities>(controllerDb);

/**
 * Guests evacuated away from the host while it was down are still defined on it: destroyed, their allocations on
 * the host released, their migrations completed. A host that does not answer is tried again next time.
 */
async function cleanEvacuated(host: string): Promise<void> {
  const onHost = proxyActivities<HostActivities>({ ...hostCleanup, taskQueue: hostTaskQueue(host) });
  for (const e of await db.evacuationsFrom({ host })) {
    // A server that has since moved back to this host runs here for real: only its old migration is closed.
    if (!e.movedBack) {
      try {
        await onHost.destroyGuest(e.instanceUuid);
      } catch {
        return; // tried again at the next heartbeat the monitor records
      }
      await db.releaseHostAllocations({ uuid: e.instanceUuid, host });
    }
    await db.completeEvacuation(e);
  }
}

function inventoryKey(info: HostInfo): string {
  return JSON.stringify([info.hypervisorHostname, info.hypervisorType, info.hypervisorVersion, info.hostIp,
    info.vcpus, info.memoryMb, info.localGb]);
}

export async function hostMonitor(input: { host: string; carried?: HostMonitorState }): Promise<void> {
  const state: HostMonitorState = input.carried ?? { host: input.host, up: false, heartbeats: 0 };
  const { serviceDownTimeSeconds, powerSyncIntervalSeconds } = await db.hostMonitorSettings();
  let pending: Heartbeat | undefined;
  let heartbeatsThisRun = 0;
  let serviceChanged = false;
  setHandler(serviceChangedSignal, () => void (serviceChanged = true));
  setHandler(heartbeatSignal, (beat) => {
    if (beat.info.host !== state.host) return; // a heartbeat for another host is not ours to record
    pending = beat;
  });
  setHandler(hostMonitorStateQuery, () => ({ ...state }));

  for (;;) {
    const arrived = await condition(() => pending !== undefined || serviceChanged, serviceDownTimeSeconds * 1000);
    // Evacuation clean-up came with an upgrade: monitors already running before it replay without it.
    const cleansEvacuated = patched('evacuation-cleanup');
    if (serviceChanged) {
      serviceChanged = false;
      if (state.up && cleansEvacuated) await cleanEvacuated(state.host);
      if (!pending) continue;
    }
    if (arrived && pending) {
      const beat = pending;
      pending = undefined;
      state.heartbeats += 1;
      heartbeatsThisRun += 1;
      state.lastHeartbeatAt = Date.now();
      const key = inventoryKey(beat.info);
      if (!state.up || key !== state.inventoryKey) {
        const wasDown = !state.up;
        await db.recordHostUp({ info: beat.info, seenAt: state.lastHeartbeatAt });
        state.up = true;
        if (wasDown && cleansEvacuated) await cleanEvacuated(state.host);
        state.inventoryKey = key;
        state.lastRecordedAt = state.lastHeartbeatAt;
      } else if (state.lastHeartbeatAt - (state.lastRecordedAt ?? 0) >= (serviceDownTimeSeconds * 1000) / 2) {
        await db.recordHostSeen({ host: state.host, seenAt: state.lastHeartbeatAt });
        state.lastRecordedAt = state.lastHeartbeatAt;
        if (cleansEvacuated) await cleanEvacuated(state.host); // a clean-up that failed earlier is tried again
      }
      if (beat.guests && state.lastHeartbeatAt - (state.lastPowerSyncAt ?? 0) >= (powerSyncIntervalSeconds ?? 60) * 1000) {
        await db.syncPowerStates({ host: state.host, guests: beat.guests });
        state.lastPowerSyncAt = state.lastHeartbeatAt;
      }
    } else if (state.up) {
      await db.recordHostDown({ host: state.host });
      state.up = false;
    }
    // Keep the history short: a fresh run carries the state over (a heartbeat lost in the hand-over is harmless,
    // the next one follows within the report interval).
    if (heartbeatsThisRun >= 500 || workflowInfo().continueAsNewSuggested) {
      await continueAsNew<typeof hostMonitor>({ host: state.host, carried: state });
    }
  }
}

/** Asks a host, through its own task queue, what it is: the smallest round trip controller → host → controller. */
export async function probeHost(input: { host: string }): Promise<HostInfo> {
  const host = proxyActivities<HostActivities>({ ...hostQuery, taskQueue: hostTaskQueue(input.host) });
  return host.describeHost();
}
