/** Loading a server for a sub-resource handler: the caller's project's (admins: any) or Nova's 404, then policy. */
import type { Request, Response } from 'express';
import type pg from 'pg';
import { getInstance, type InstanceRow } from '../../../activities/control/db/instances.ts';
import { appendEvents, StateConflict } from '../../../activities/control/instances/store.ts';
import type { InstanceEvent } from '../../../activities/control/instances/events.ts';
import { enforce } from '../../auth/policy.ts';
import { ApiError } from '../../faults.ts';
import { param } from '../../openapi/route.ts';

export async function loadServer(db: pg.Pool, req: Request, res: Response, rule: string): Promise<InstanceRow> {
  const auth = res.locals.auth;
  const uuid = param(req, 'server_id');
  const row = await getInstance(db, uuid, auth.isAdmin ? undefined : (auth.projectId ?? ''));
  if (!row) throw new ApiError(404, `Instance ${uuid} could not be found.`);
  enforce(auth, rule, { projectId: row.project_id });
  return row;
}

/**
 * Appends a change the server's state must allow (Nova's `check_instance_state`): the vm_states given, no task
 * running, not locked (admins excepted). A refusal is Nova's 409 naming `action`.
 */
export async function changeServer(
  db: pg.Pool,
  res: Response,
  row: InstanceRow,
  action: string,
  vmStates: string[],
  events: InstanceEvent[],
): Promise<void> {
  if (row.locked && !res.locals.auth.isAdmin) throw new ApiError(409, `Instance ${row.uuid} is locked`);
  try {
    await appendEvents(db, row.uuid, events, { requestId: res.locals.requestId, expect: { vmStates, taskStates: [null] } });
  } catch (err) {
    if (!(err instanceof StateConflict)) throw err;
    const byVm = !vmStates.includes(err.vmState);
    throw new ApiError(409, `Cannot '${action}' instance ${row.uuid} while it is in ${byVm ? `vm_state ${err.vmState}` : `task_state ${err.taskState}`}`);
  }
}
