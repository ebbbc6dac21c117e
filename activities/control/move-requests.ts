/**
 * Starting a move of a server, shared by the API (`POST /servers/{id}/action`) and the runbooks: what each move
 * records first — its instance action, its migration record and its first task_state, in one compare-and-swap
 * append — and the arguments of the workflow that carries it out. Confirm and revert of a resize likewise.
 * Validation of a request (flavors, quotas, target hosts) stays with the caller; a state that refuses throws
 * StateConflict.
 */
import type pg from 'pg';
import { confirmWorkflowId, liveMigrationWorkflowId } from '../../workflows/instance-states.ts';
import type { InstanceRow } from './db/instances.ts';
import { getFlavor, type FlavorRow } from './db/flavors.ts';
import type { FlavorSnapshot, MigrationType } from './instances/events.ts';
import { allocateMigrationId, appendEvents, StateConflict } from './instances/store.ts';

export interface MoveSettings {
  allowResizeToSameHost: boolean;
  resizeConfirmWindowSeconds: number;
}

/** One move, ready to record: its action, its migration, the states it starts from, its workflow. */
export interface MovePlan {
  /** The instance action (and the name in Nova's 409s). */
  action: string;
  workflow: string;
  workflowId: string;
  type: MigrationType;
  taskState: string;
  status: string;
  vmStates: string[];
  /** Evacuation takes a server whatever its task. */
  anyTaskState?: boolean;
  oldFlavor: FlavorSnapshot;
  newFlavor: FlavorSnapshot;
  /** Workflow arguments besides uuid, requestId and migrationUuid. */
  args: Record<string, unknown>;
}

export interface Requester {
  requestId: string;
  userId: string | null;
  /** Makes a retried record (a runbook's activity) append once. */
  idemKey?: string;
  /** Chosen by the caller when a retry must find the same migration. */
  migrationUuid: string;
}

export interface StartedMove {
  workflow: string;
  workflowId: string;
  migrationUuid: string;
  args: Record<string, unknown>;
}

/** Whether the instance's root disk is a volume (its request's block devices have one with boot index 0). */
export const bootsFromVolume = (requestSpec: { block_devices?: unknown }): boolean =>
  ((requestSpec.block_devices as { bootIndex: number | null }[] | undefined) ?? []).some((d) => d.bootIndex === 0);

/** The flavor as an instance keeps it (Nova's flavor snapshot), with its internal id. */
export function flavorSnapshot(f: FlavorRow): FlavorSnapshot {
  return {
    id: Number(f.id), flavorid: f.flavorid, name: f.name, memory_mb: f.memory_mb, vcpus: f.vcpus, root_gb: f.root_gb,
    ephemeral_gb: f.ephemeral_gb, swap: f.swap, extra_specs: f.extra_specs,
  };
}

/** The instance's flavor snapshot with its internal id (older snapshots lack it). */
export async function currentFlavor(db: Pick<pg.Pool, 'query'>, row: InstanceRow): Promise<FlavorSnapshot> {
  if (row.flavor.id !== undefined) return row.flavor;
  const known = await getFlavor(db, row.flavor.flavorid);
  return known ? { ...row.flavor, id: Number(known.id) } : row.flavor;
}

export function resizePlan(
  row: InstanceRow,
  kind: 'resize' | 'migration',
  flavors: { old: FlavorSnapshot; new: FlavorSnapshot },
  requestId: string,
  settings: MoveSettings,
  targetHost?: string,
): MovePlan {
  const action = kind === 'resize' ? 'resize' : 'migrate';
  return {
    action, workflow: 'resizeInstance', workflowId: `instance-${row.uuid}-${action}-${requestId}`, type: kind, taskState: 'resize_prep',
    status: 'pre-migrating', vmStates: ['active', 'stopped'], oldFlavor: flavors.old, newFlavor: flavors.new,
    args: {
      kind, sourceHost: row.host, oldFlavor: flavors.old, newFlavor: flavors.new, vmState: row.vm_state, targetHost, volumeBacked: bootsFromVolume(row.request_spec),
      allowSameHost: kind === 'resize' && settings.allowResizeToSameHost, confirmWindowSeconds: settings.resizeConfirmWindowSeconds,
    },
  };
}

export function liveMigrationPlan(row: InstanceRow, flavor: FlavorSnapshot, requestId: string, targetHost?: string): MovePlan {
  return {
    action: 'os-migrateLive', workflow: 'liveMigrateInstance', workflowId: liveMigrationWorkflowId(row.uuid, requestId), type: 'live-migration',
    taskState: 'migrating', status: 'queued', vmStates: ['active', 'paused'], oldFlavor: flavor, newFlavor: flavor,
    args: { sourceHost: row.host, targetHost, flavor, powerState: row.vm_state === 'paused' ? 3 : 1 },
  };
}

export function evacuationPlan(row: InstanceRow, flavor: FlavorSnapshot, requestId: string, finalVmState: 'active' | 'stopped', targetHost?: string): MovePlan {
  return {
    action: 'evacuate', workflow: 'evacuateInstance', workflowId: `instance-${row.uuid}-evacuate-${requestId}`, type: 'evacuation',
    taskState: 'rebuilding', status: 'accepted', vmStates: ['active', 'stopped', 'error'], anyTaskState: true, oldFlavor: flavor, newFlavor: flavor,
    args: { sourceHost: row.host, targetHost, flavor, finalVmState },
  };
}

/** Records the move's first events if the state allows them (else StateConflict); returns its workflow's start. */
export async function recordMove(db: pg.Pool, row: InstanceRow, plan: MovePlan, who: Requester): Promise<StartedMove> {
  await appendEvents(
    db,
    row.uuid,
    [
      { type: 'state', task_state: plan.taskState },
      { type: 'action_started', action: plan.action, request_id: who.requestId, user_id: who.userId, project_id: row.project_id, workflow_id: plan.workflowId },
      {
        type: 'migration_started',
        migration: {
          id: await allocateMigrationId(db), uuid: who.migrationUuid, migration_type: plan.type, status: plan.status,
          source_compute: row.host, source_node: row.node, dest_compute: null, dest_node: null, dest_host: null,
          old_flavor: plan.oldFlavor, new_flavor: plan.newFlavor, user_id: who.userId, project_id: row.project_id,
          workflow_id: plan.workflowId, old_vm_state: row.vm_state,
        },
      },
    ],
    { requestId: who.requestId, idemKey: who.idemKey, expect: { vmStates: plan.vmStates, taskStates: plan.anyTaskState ? undefined : [null] } },
  );
  return {
    workflow: plan.workflow,
    workflowId: plan.workflowId,
    migrationUuid: who.migrationUuid,
    args: { uuid: row.uuid, requestId: who.requestId, migrationUuid: who.migrationUuid, ...plan.args },
  };
}

/** A move recorded whose workflow could not start: the migration errs and the server is free again. */
export async function abandonMove(db: pg.Pool, uuid: string, started: StartedMove, requestId: string): Promise<void> {
  await appendEvents(db, uuid, [
    { type: 'migration_updated', uuid: started.migrationUuid, changes: { status: 'error' } },
    { type: 'state', task_state: null },
    { type: 'action_finished', request_id: requestId, message: 'Error' },
  ]);
}

/** The instance has no finished resize or migration to confirm or revert (Nova's 400). */
export class NotResized extends Error {
  constructor() {
    super('Instance has not been resized.');
  }
}

/** Records a confirm or revert of the instance's finished resize (or cold migration); returns its workflow's start. */
export async function recordResizeEnd(
  db: pg.Pool,
  row: InstanceRow,
  action: 'confirmResize' | 'revertResize',
  who: Omit<Requester, 'migrationUuid'>,
): Promise<Omit<StartedMove, 'migrationUuid'> & { migrationUuid: string }> {
  if (row.vm_state !== 'resized') throw new StateConflict(row.uuid, row.vm_state, row.task_state, { vmStates: ['resized'] });
  const result = await db.query<{ uuid: string; status: string; source_compute: string; source_node: string; dest_compute: string; old_flavor: FlavorSnapshot; old_vm_state: string }>(
    `SELECT uuid, status, source_compute, source_node, dest_compute, old_flavor, old_vm_state FROM migrations
      WHERE instance_uuid = $1 AND migration_type IN ('resize', 'migration') AND status IN ('finished', 'confirming', 'reverting')
      ORDER BY id DESC LIMIT 1`,
    [row.uuid],
  );
  const m = result.rows[0];
  // Confirming or reverting already: Nova's "not resized", except for a retry of this very request (its idempotency
  // key finds the events it appended).
  if (!m || (m.status !== 'finished' && !who.idemKey)) throw new NotResized();
  const workflowId = action === 'confirmResize' ? confirmWorkflowId(row.uuid, who.requestId) : `instance-${row.uuid}-revertResize-${who.requestId}`;
  await appendEvents(
    db,
    row.uuid,
    [
      ...(action === 'revertResize' ? [{ type: 'state', task_state: 'resize_reverting' } as const] : []),
      { type: 'action_started', action, request_id: who.requestId, user_id: who.userId, project_id: row.project_id, workflow_id: workflowId },
      { type: 'migration_updated', uuid: m.uuid, changes: { status: action === 'confirmResize' ? 'confirming' : 'reverting', workflow_id: workflowId } },
    ],
    { requestId: who.requestId, idemKey: who.idemKey, expect: { vmStates: ['resized'], taskStates: [null], migration: { uuid: m.uuid, statuses: ['finished'] } } },
  );
  return {
    workflow: action,
    workflowId,
    migrationUuid: m.uuid,
    args: {
      uuid: row.uuid, requestId: who.requestId, migrationUuid: m.uuid, sourceHost: m.source_compute, destHost: m.dest_compute, vmState: m.old_vm_state,
      ...(action === 'revertResize' ? { sourceNode: m.source_node, oldFlavor: m.old_flavor } : {}),
    },
  };
}

/** A confirm or revert recorded whose workflow could not start: the resize waits for confirmation again. */
export async function abandonResizeEnd(db: pg.Pool, uuid: string, migrationUuid: string, requestId: string): Promise<void> {
  await appendEvents(db, uuid, [
    { type: 'migration_updated', uuid: migrationUuid, changes: { status: 'finished' } },
    { type: 'state', task_state: null },
    { type: 'action_finished', request_id: requestId, message: 'Error' },
  ]);
}
