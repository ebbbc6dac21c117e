/**
 * The power-state sync (Nova's `_sync_power_states`): a host's heartbeat lists the power state of each guest it
 * has; instances on that host that no action is working on get the host's power state recorded when it differs,
 * and a server that was active but whose guest shut down (or crashed) behind Novaflow's back is recorded stopped,
 * with a `stop` instance action, as Nova calls its stop API then. Appends expect the state they read, so an action
 * that starts meanwhile wins.
 */
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { PowerState, type PowerStateValue } from '../host/driver.ts';
import { appendEvents, StateConflict } from './instances/store.ts';

export interface GuestPower {
  uuid: string;
  powerState: PowerStateValue;
}

const STOPPED_BEHIND_OUR_BACK: number[] = [PowerState.SHUTDOWN, PowerState.CRASHED, PowerState.SUSPENDED];

export function createPowerSyncActivities(deps: { db: pg.Pool }) {
  return {
    /** Returns how many instances it changed. */
    async syncPowerStates(input: { host: string; guests: GuestPower[] }): Promise<number> {
      const seen = new Map(input.guests.map((g) => [g.uuid, g.powerState]));
      const rows = await deps.db.query<{ uuid: string; vm_state: string; power_state: number; project_id: string }>(
        `SELECT uuid::text, vm_state, power_state, project_id FROM instances
          WHERE host = $1 AND deleted_at IS NULL AND task_state IS NULL AND vm_state NOT IN ('building', 'deleted', 'error')`,
        [input.host],
      );
      let changed = 0;
      for (const row of rows.rows) {
        // A guest the host does not list is left alone (Nova: "unexpectedly not found, ignore").
        const actual = seen.get(row.uuid);
        if (actual === undefined || actual === row.power_state) continue;
        const expect = { vmStates: [row.vm_state], taskStates: [null] };
        try {
          if (row.vm_state === 'active' && STOPPED_BEHIND_OUR_BACK.includes(actual)) {
            const requestId = `req-${randomUUID()}`;
            await appendEvents(deps.db, row.uuid, [
              { type: 'action_started', action: 'stop', request_id: requestId, user_id: null, project_id: row.project_id, workflow_id: null },
              { type: 'state', vm_state: 'stopped', power_state: PowerState.SHUTDOWN },
              { type: 'action_finished', request_id: requestId, message: 'The guest stopped outside Novaflow (power-state sync).' },
            ], { requestId, expect });
          } else {
            await appendEvents(deps.db, row.uuid, [{ type: 'state', power_state: actual }], { expect });
          }
          changed++;
        } catch (err) {
          if (!(err instanceof StateConflict)) throw err;
        }
      }
      return changed;
    },
  };
}
