/**
 * Controller-side activities of the runbooks (`workflows/runbook.ts`): the plan (which servers, which move),
 * switching a host's compute service on or off, and starting one server's move exactly as the API would start it
 * (instance action, migration record, first task_state; the same checks of its state). Each is idempotent: a
 * retried start finds its own record by its idempotency key.
 */
import { ApplicationFailure } from '@temporalio/common';
import type pg from 'pg';
import { getInstance, type InstanceRow } from './db/instances.ts';
import { getFlavor } from './db/flavors.ts';
import { computeServiceOf } from './db/services.ts';
import { StateConflict } from './instances/store.ts';
import {
  currentFlavor,
  evacuationPlan,
  flavorSnapshot,
  liveMigrationPlan,
  NotResized,
  recordMove,
  recordResizeEnd,
  resizePlan,
  type MoveSettings,
  type StartedMove,
} from './move-requests.ts';

export type RunbookKind = 'host-drain' | 'host-evacuate' | 'host-maintenance' | 'servers-resize';

export interface RunbookParams {
  host?: string;
  /** host-drain: cold-migrate the servers that cannot be live-migrated (stopped ones, or a live migration that failed). */
  coldFallback?: boolean;
  /** host-maintenance: on (disable) or off (enable). */
  maintenance?: 'on' | 'off';
  reason?: string;
  /** servers-resize: the new flavor, and which servers. */
  flavor?: string;
  project?: string;
  servers?: string[];
  fromFlavor?: string;
  confirm?: boolean;
}

export type ItemAction = 'live-migrate' | 'cold-migrate' | 'evacuate' | 'resize';

export interface PlanItem {
  uuid: string;
  name: string;
  host: string | null;
  vmState: string;
  action: ItemAction | 'skip';
  note?: string;
}

export interface RunbookPlan {
  /** What happens before and after the servers, in words (for --dry-run). */
  steps: string[];
  items: PlanItem[];
}

const fail = (message: string) => ApplicationFailure.nonRetryable(message, 'RunbookRefused');

export function createRunbookActivities(deps: { db: pg.Pool; serviceDownTimeSeconds: number }) {
  const computeService = (host: string) => computeServiceOf(deps.db, host, deps.serviceDownTimeSeconds);

  async function serversOn(host: string): Promise<InstanceRow[]> {
    const result = await deps.db.query<{ uuid: string }>(
      `SELECT uuid FROM instances WHERE host = $1 AND deleted_at IS NULL ORDER BY created_at, uuid`,
      [host],
    );
    const rows = await Promise.all(result.rows.map((r) => getInstance(deps.db, r.uuid)));
    return rows.filter((r): r is InstanceRow => r !== undefined);
  }

  const item = (row: InstanceRow, action: PlanItem['action'], note?: string): PlanItem => ({
    uuid: row.uuid, name: row.name, host: row.host, vmState: row.vm_state, action, ...(note ? { note } : {}),
  });

  async function plan(kind: RunbookKind, p: RunbookParams): Promise<RunbookPlan> {
    if (kind !== 'servers-resize') {
      if (!p.host) throw fail('A host is required.');
      const service = await computeService(p.host);
      if (!service) throw fail(`Compute host ${p.host} could not be found.`);
      if (kind === 'host-maintenance') {
        const on = p.maintenance === 'on';
        return { steps: [`${on ? 'disable' : 'enable'} the compute service on ${p.host}${on && p.reason ? ` (reason: ${p.reason})` : ''}`], items: [] };
      }
      const servers = await serversOn(p.host);
      if (kind === 'host-drain') {
        return {
          steps: [`disable the compute service on ${p.host}${p.reason ? ` (reason: ${p.reason})` : ''}`, 'move every server off it'],
          items: servers.map((s) => {
            if (['active', 'paused'].includes(s.vm_state)) return item(s, 'live-migrate');
            if (s.vm_state === 'stopped' && p.coldFallback) return item(s, 'cold-migrate', 'stopped: cold migration, confirmed');
            return item(s, 'skip', `vm_state ${s.vm_state}: cannot be live-migrated${s.vm_state === 'stopped' ? ' (use --cold-fallback)' : ''}`);
          }),
        };
      }
      if (service.up) throw fail(`Compute service of ${p.host} is still in use: evacuate only from a host that is down (compute service set --down).`);
      return {
        steps: [`rebuild every server of ${p.host} on other hosts`],
        items: servers.map((s) => (['active', 'stopped', 'error'].includes(s.vm_state) ? item(s, 'evacuate') : item(s, 'skip', `vm_state ${s.vm_state}`))),
      };
    }
    if (!p.flavor) throw fail('A flavor is required.');
    const flavor = await getFlavor(deps.db, p.flavor);
    if (!flavor) throw fail(`Flavor ${p.flavor} could not be found.`);
    const from = p.fromFlavor === undefined ? undefined : await getFlavor(deps.db, p.fromFlavor);
    if (p.fromFlavor !== undefined && !from) throw fail(`Flavor ${p.fromFlavor} could not be found.`);
    if (p.project === undefined && !p.servers?.length && !from) throw fail('Name the servers: a project, server ids, or a flavor to resize from.');
    const result = await deps.db.query<{ uuid: string }>(
      `SELECT uuid FROM instances WHERE deleted_at IS NULL
          AND ($1::text IS NULL OR project_id = $1) AND ($2::text[] IS NULL OR uuid::text = ANY($2)) AND ($3::text IS NULL OR flavor->>'flavorid' = $3)
        ORDER BY created_at, uuid`,
      [p.project ?? null, p.servers?.length ? p.servers : null, from?.flavorid ?? null],
    );
    const rows = (await Promise.all(result.rows.map((r) => getInstance(deps.db, r.uuid)))).filter((r): r is InstanceRow => r !== undefined);
    const missing = (p.servers ?? []).filter((id) => !rows.some((r) => r.uuid === id));
    if (missing.length) throw fail(`Server ${missing.join(', ')} could not be found.`);
    return {
      steps: [`resize to ${flavor.name}${p.confirm ? ', confirming each resize' : ', leaving each in VERIFY_RESIZE'}`],
      items: rows.map((r) => {
        if (r.flavor.flavorid === flavor.flavorid) return item(r, 'skip', `already ${flavor.name}`);
        if (!['active', 'stopped'].includes(r.vm_state)) return item(r, 'skip', `vm_state ${r.vm_state}`);
        return item(r, 'resize', `${r.flavor.name} → ${flavor.name}`);
      }),
    };
  }

  return {
    async planRunbook(input: { kind: RunbookKind; params: RunbookParams }): Promise<RunbookPlan> {
      return plan(input.kind, input.params);
    },

    /** Disables (with a reason) or enables the host's compute service. */
    async setHostService(input: { host: string; disabled: boolean; reason?: string }): Promise<void> {
      const result = await deps.db.query(
        `UPDATE services SET disabled = $2, disabled_reason = CASE WHEN $2 THEN $3 ELSE NULL END, updated_at = now()
          WHERE host = $1 AND "binary" = 'nova-compute' AND deleted_at IS NULL`,
        [input.host, input.disabled, input.reason ?? null],
      );
      if (!result.rowCount) throw fail(`Compute host ${input.host} could not be found.`);
    },

    /**
     * Records one server's move (or the confirm of its resize) as the API records it; `refused` (with Nova's
     * reason) when the server's state no longer allows it.
     */
    async beginRunbookMove(input: {
      uuid: string;
      action: ItemAction | 'confirm';
      requestId: string;
      migrationUuid: string;
      idemKey: string;
      flavor?: string;
      settings: MoveSettings;
    }): Promise<(StartedMove & { projectId: string; host: string | null }) | { refused: string }> {
      const row = await getInstance(deps.db, input.uuid);
      if (!row || row.vm_state === 'deleted') return { refused: `Instance ${input.uuid} could not be found.` };
      const who = { requestId: input.requestId, userId: null, idemKey: input.idemKey, migrationUuid: input.migrationUuid };
      try {
        const flavor = await currentFlavor(deps.db, row);
        let started: StartedMove;
        if (input.action === 'confirm') {
          started = await recordResizeEnd(deps.db, row, 'confirmResize', who);
        } else if (input.action === 'live-migrate') {
          started = await recordMove(deps.db, row, liveMigrationPlan(row, flavor, input.requestId), who);
        } else if (input.action === 'cold-migrate') {
          started = await recordMove(deps.db, row, resizePlan(row, 'migration', { old: flavor, new: flavor }, input.requestId, input.settings), who);
        } else if (input.action === 'evacuate') {
          const finalVmState = row.vm_state === 'stopped' ? 'stopped' : 'active';
          started = await recordMove(deps.db, row, evacuationPlan(row, flavor, input.requestId, finalVmState), who);
        } else {
          const target = input.flavor ? await getFlavor(deps.db, input.flavor) : undefined;
          if (!target) return { refused: `Flavor ${input.flavor} could not be found.` };
          started = await recordMove(deps.db, row, resizePlan(row, 'resize', { old: flavor, new: flavorSnapshot(target) }, input.requestId, input.settings), who);
        }
        return { ...started, projectId: row.project_id, host: row.host };
      } catch (err) {
        if (err instanceof StateConflict) return { refused: `vm_state ${err.vmState}, task_state ${err.taskState}: the server cannot be moved now.` };
        if (err instanceof NotResized) return { refused: err.message };
        throw err;
      }
    },

    /** Why a server's move did not end well: the error its instance action recorded. */
    async moveFailure(input: { uuid: string; requestId: string }): Promise<string> {
      const result = await deps.db.query<{ traceback: string | null; details: string | null; event: string }>(
        `SELECT e.event, e.traceback, e.details FROM instance_action_events e JOIN instance_actions a ON a.id = e.action_id
          WHERE a.instance_uuid = $1 AND a.request_id = $2 AND e.result = 'Error' ORDER BY e.id DESC LIMIT 1`,
        [input.uuid, input.requestId],
      );
      const e = result.rows[0];
      return e ? `${e.event}: ${e.details ?? e.traceback ?? 'failed'}` : 'failed';
    },
  };
}
