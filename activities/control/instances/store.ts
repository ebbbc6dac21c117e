/**
 * Appending instance events. Each append locks the instance row, checks the caller's expectation on its state
 * (Nova's `expected_task_state` compare-and-swap), writes the events with the next sequence numbers and applies
 * them to the projections, in one transaction. An idempotency key makes a retried activity append only once.
 */
import type pg from 'pg';
import type { InstanceEvent } from './events.ts';
import { project } from './projection.ts';
import { inTransaction } from '../../db/transaction.ts';

export interface Expectation {
  /** Allowed vm_states; undefined: any. */
  vmStates?: readonly string[];
  /** Allowed task_states (null: no task running); undefined: any. */
  taskStates?: readonly (string | null)[];
  /** The instance's migration `uuid` must be in one of `statuses` (a confirm or revert of the move it names). */
  migration?: { uuid: string; statuses: readonly string[] };
}

export interface AppendOptions {
  expect?: Expectation;
  requestId?: string | null;
  workflowId?: string | null;
  idemKey?: string;
}

/** The instance was not in a state the append expected: the API answers Nova's 409. */
export class StateConflict extends Error {
  constructor(
    readonly uuid: string,
    readonly vmState: string,
    readonly taskState: string | null,
    readonly expectation: Expectation,
  ) {
    super(`instance ${uuid} is in vm_state ${vmState} task_state ${taskState}`);
    this.name = 'StateConflict';
  }
}

export class InstanceNotFound extends Error {
  constructor(readonly uuid: string) {
    super(`Instance ${uuid} could not be found.`);
    this.name = 'InstanceNotFound';
  }
}

export interface AppendResult {
  seq: number;
  /** False when the idempotency key had been used: nothing new was written. */
  appended: boolean;
}

export async function appendEvents(pool: pg.Pool, uuid: string, events: InstanceEvent[], opts: AppendOptions = {}): Promise<AppendResult> {
  return inTransaction(pool, (db) => appendEventsWith(db, uuid, events, opts));
}

/** The same, inside the caller's transaction (so several instances can be created atomically with a quota check). */
export async function appendEventsWith(
  db: pg.PoolClient,
  uuid: string,
  events: InstanceEvent[],
  opts: AppendOptions = {},
): Promise<AppendResult> {
  let seq = 0;
  if (events[0]?.type !== 'requested') {
    const row = await db.query<{ seq: string; vm_state: string; task_state: string | null }>(
      'SELECT seq, vm_state, task_state FROM instances WHERE uuid = $1 FOR UPDATE',
      [uuid],
    );
    const current = row.rows[0];
    if (!current) throw new InstanceNotFound(uuid);
    if (opts.idemKey) {
      const done = await db.query('SELECT 1 FROM instance_events WHERE instance_uuid = $1 AND idem_key = $2', [uuid, opts.idemKey]);
      if (done.rowCount) return { seq: Number(current.seq), appended: false };
    }
    const e = opts.expect;
    if (e && ((e.vmStates && !e.vmStates.includes(current.vm_state)) || (e.taskStates && !e.taskStates.includes(current.task_state)))) {
      throw new StateConflict(uuid, current.vm_state, current.task_state, e);
    }
    if (e?.migration) {
      const m = await db.query<{ status: string }>('SELECT status FROM migrations WHERE uuid = $1 AND instance_uuid = $2', [e.migration.uuid, uuid]);
      if (!m.rows[0] || !e.migration.statuses.includes(m.rows[0].status)) throw new StateConflict(uuid, current.vm_state, current.task_state, e);
    }
    seq = Number(current.seq);
  }
  for (const [i, event] of events.entries()) {
    seq += 1;
    const inserted = await db.query<{ at: Date }>(
      `INSERT INTO instance_events (instance_uuid, seq, type, payload, request_id, workflow_id, idem_key)
       VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING at`,
      [uuid, seq, event.type, JSON.stringify(event), opts.requestId ?? null, opts.workflowId ?? null, i === 0 ? (opts.idemKey ?? null) : null],
    );
    await project(db, uuid, seq, event, inserted.rows[0]!.at);
  }
  return { seq, appended: true };
}

/** The internal id of a new instance (it names the domain, `instance-%08x`), taken before its first event. */
export async function allocateInstanceId(db: Pick<pg.Pool, 'query'>): Promise<number> {
  const result = await db.query<{ id: string }>(`SELECT nextval(pg_get_serial_sequence('instances', 'id')) AS id`);
  return Number(result.rows[0]!.id);
}

/** The integer id of a new migration, taken before the event that records it. */
export async function allocateMigrationId(db: Pick<pg.Pool, 'query'>): Promise<number> {
  const result = await db.query<{ id: string }>(`SELECT nextval('migrations_id_seq') AS id`);
  return Number(result.rows[0]!.id);
}

/** Drops the projections and replays every event into them, in order. */
export async function rebuildProjections(pool: pg.Pool): Promise<number> {
  return inTransaction(pool, async (db) => {
    await db.query('LOCK TABLE instance_events IN SHARE MODE');
    await db.query('TRUNCATE instance_action_events, instance_actions, instances, migrations');
    const events = await db.query<{ instance_uuid: string; seq: string; payload: InstanceEvent; at: Date }>(
      'SELECT instance_uuid, seq, payload, at FROM instance_events ORDER BY instance_uuid, seq',
    );
    for (const e of events.rows) await project(db, e.instance_uuid, Number(e.seq), e.payload, e.at);
    return events.rowCount ?? 0;
  });
}
