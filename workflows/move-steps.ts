/**
 * What the move workflows (resize and cold migration, live migration, evacuation) share: their common input,
 * the migration update event, and the events that end a move no host could take. Deterministic, no I/O.
 */
import type { InstanceEvent, MigrationChanges } from '../activities/control/instances/events.ts';
import { failureMessage } from './failures.ts';

/** Recorded by the API (or a runbook) before the workflow starts: the request, its migration, where the server is. */
export interface MoveInput {
  uuid: string;
  requestId: string;
  migrationUuid: string;
  sourceHost: string;
  /** A destination the caller named; the scheduler still checks it. */
  targetHost?: string;
}

export function migrationUpdate(migrationUuid: string, changes: MigrationChanges): InstanceEvent {
  return { type: 'migration_updated', uuid: migrationUuid, changes };
}

/**
 * No host could take the move: the open event and the action end in error, the migration in `error`, and the
 * instance as `instanceEnd` says (task_state back to none; an evacuation leaves it in ERROR).
 */
export function noValidHostEvents(input: MoveInput, event: string, err: unknown, instanceEnd: InstanceEvent): InstanceEvent[] {
  return [
    { type: 'action_event_finished', request_id: input.requestId, event, result: 'Error', traceback: 'No valid host was found. ', details: failureMessage(err) },
    migrationUpdate(input.migrationUuid, { status: 'error' }),
    instanceEnd,
    { type: 'action_finished', request_id: input.requestId, message: 'Error' },
  ];
}
