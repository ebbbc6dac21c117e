/**
 * Controller-side activities behind the host monitor workflow: they turn the heartbeats that compute workers
 * send through Temporal into compute service and resource provider rows. Each is an idempotent upsert or a
 * conditional update, so a retry or a replay writes the same result.
 */
import type pg from 'pg';
import type { HostInfo } from '../host/driver.ts';
import { markComputeHostDown, touchComputeHost, upsertComputeHost } from './db/services.ts';

export interface HostRegistrySettings {
  serviceDownTimeSeconds: number;
  /** How often a host's guests' power states are compared with the database (Nova's sync_power_state_interval). */
  powerSyncIntervalSeconds: number;
}

export function createHostRegistryActivities(deps: { db: pg.Pool; settings: HostRegistrySettings }) {
  return {
    /** The controller's own liveness settings, read once per monitor run so the controller stays the authority. */
    async hostMonitorSettings(): Promise<HostRegistrySettings> {
      return { ...deps.settings };
    },
    async recordHostUp(input: { info: HostInfo; seenAt: number }): Promise<void> {
      await upsertComputeHost(deps.db, input.info, new Date(input.seenAt));
    },
    async recordHostSeen(input: { host: string; seenAt: number }): Promise<void> {
      await touchComputeHost(deps.db, input.host, new Date(input.seenAt));
    },
    async recordHostDown(input: { host: string }): Promise<void> {
      await markComputeHostDown(deps.db, input.host);
    },
  };
}

export type HostRegistryActivities = ReturnType<typeof createHostRegistryActivities>;
