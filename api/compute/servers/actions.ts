/**
 * `POST /servers/{id}/action`: one key names the action. Power actions (os-stop, os-start, reboot, pause,
 * unpause, suspend, resume) check Nova's allowed states and the lock, set the first task_state and record the
 * instance action in one compare-and-swap append, then start the action's workflow and answer 202. lock, unlock
 * and os-resetState take effect at once; os-getConsoleOutput asks the host and answers 200. The move actions
 * (resize, migrations, evacuate) live in `move-actions.ts`.
 */
import type { Client } from '@temporalio/client';
import { WorkflowFailedError } from '@temporalio/client';
import { Router, type Request, type Response } from 'express';
import { getInstance, type InstanceRow } from '../../../activities/control/db/instances.ts';
import { appendEvents, StateConflict } from '../../../activities/control/instances/store.ts';
import type { RebootKind } from '../../../activities/host/driver.ts';
import type { components } from '../../../schema/generated/compute/server-actions.d.ts';
import { enforce } from '../../auth/policy.ts';
import { ApiError, badRequest } from '../../faults.ts';
import { bind, param } from '../../openapi/route.ts';
import type { ComputeDeps } from '../deps.ts';
import { moveActions } from './move-actions.ts';
import { powerActionWorkflowId, readConsole, startPowerAction } from './start.ts';

type ActionBody = components['schemas']['ServerActionRequest'];
type Deps = ComputeDeps & { temporal: Client };

interface PowerAction {
  /** The instance action Nova records, and the name in its 409s. */
  action: string;
  rule: string;
  workflow: string;
  vmStates: string[];
  taskStates: (string | null)[];
  firstTaskState: string;
}

const POWER: Record<string, PowerAction> = {
  'os-stop': { action: 'stop', rule: 'os_compute_api:servers:stop', workflow: 'stopInstance', vmStates: ['active', 'error'], taskStates: [null], firstTaskState: 'powering-off' },
  'os-start': { action: 'start', rule: 'os_compute_api:servers:start', workflow: 'startInstance', vmStates: ['stopped'], taskStates: [null], firstTaskState: 'powering-on' },
  pause: { action: 'pause', rule: 'os_compute_api:os-pause-server:pause', workflow: 'pauseInstance', vmStates: ['active'], taskStates: [null], firstTaskState: 'pausing' },
  unpause: { action: 'unpause', rule: 'os_compute_api:os-pause-server:unpause', workflow: 'unpauseInstance', vmStates: ['paused'], taskStates: [null], firstTaskState: 'unpausing' },
  suspend: { action: 'suspend', rule: 'os_compute_api:os-suspend-server:suspend', workflow: 'suspendInstance', vmStates: ['active'], taskStates: [null], firstTaskState: 'suspending' },
  resume: { action: 'resume', rule: 'os_compute_api:os-suspend-server:resume', workflow: 'resumeInstance', vmStates: ['suspended'], taskStates: [null], firstTaskState: 'resuming' },
};

const SOFT_REBOOT: PowerAction = {
  action: 'reboot', rule: 'os_compute_api:servers:reboot', workflow: 'rebootInstance', vmStates: ['active'], taskStates: [null], firstTaskState: 'rebooting',
};
/** A hard reboot may also take over a soft reboot that hangs, as Nova allows. */
const HARD_REBOOT: PowerAction = {
  action: 'reboot', rule: 'os_compute_api:servers:reboot', workflow: 'rebootInstance', vmStates: ['active', 'stopped', 'paused', 'suspended', 'error'],
  taskStates: [null, 'rebooting', 'reboot_pending', 'reboot_started'], firstTaskState: 'rebooting_hard',
};

/** Nova's 409 for an action the instance's state does not allow, naming the state that refused it. */
function conflict(action: string, err: StateConflict): ApiError {
  const byVmState = err.expectation.vmStates !== undefined && !err.expectation.vmStates.includes(err.vmState);
  return byVmState
    ? new ApiError(409, `Cannot '${action}' instance ${err.uuid} while it is in vm_state ${err.vmState}`)
    : new ApiError(409, `Cannot '${action}' instance ${err.uuid} while it is in task_state ${err.taskState}`);
}

/** The move actions, by body key (`api/compute/servers/move-actions.ts`). */
const MOVES: Record<string, keyof ReturnType<typeof moveActions>> = {
  resize: 'resize', confirmResize: 'confirmResize', revertResize: 'revertResize', migrate: 'migrate', 'os-migrateLive': 'liveMigrate', evacuate: 'evacuate',
};

export function serverActionRoutes(deps: Deps): Router {
  const router = Router();
  const moves = moveActions(deps);
  const opts = { validateResponses: deps.validateResponses };

  const load = async (req: Request, res: Response): Promise<InstanceRow> => {
    const auth = res.locals.auth;
    const uuid = param(req, 'server_id');
    const row = await getInstance(deps.db, uuid, auth.isAdmin ? undefined : (auth.projectId ?? ''));
    if (!row) throw new ApiError(404, `Instance ${uuid} could not be found.`);
    return row;
  };

  const refuseIfLocked = (res: Response, row: InstanceRow) => {
    if (row.locked && !res.locals.auth.isAdmin) throw new ApiError(409, `Instance ${row.uuid} is locked`);
  };

  /** Records the action (and the first task_state) if the state allows it, then starts its workflow. */
  async function power(res: Response, row: InstanceRow, p: PowerAction, extra: Record<string, unknown> = {}) {
    enforce(res.locals.auth, p.rule, { projectId: row.project_id });
    refuseIfLocked(res, row);
    // The state as read answers most refusals; the compare-and-swap below catches a change in between.
    if (!p.vmStates.includes(row.vm_state) || !p.taskStates.includes(row.task_state)) {
      throw conflict(p.action, new StateConflict(row.uuid, row.vm_state, row.task_state, { vmStates: p.vmStates, taskStates: p.taskStates }));
    }
    if (!row.host) throw new ApiError(409, `Instance ${row.uuid} is not ready`);
    const requestId = res.locals.requestId;
    const workflowId = powerActionWorkflowId(row.uuid, p.action, requestId);
    try {
      await appendEvents(deps.db, row.uuid, [
        { type: 'state', task_state: p.firstTaskState },
        { type: 'action_started', action: p.action, request_id: requestId, user_id: res.locals.auth.userId, project_id: row.project_id, workflow_id: workflowId },
      ], { requestId, expect: { vmStates: p.vmStates, taskStates: p.taskStates } });
    } catch (err) {
      if (err instanceof StateConflict) throw conflict(p.action, err);
      throw err;
    }
    try {
      await startPowerAction(deps.temporal, deps.controlQueue, p.workflow, { workflowId, uuid: row.uuid, requestId, host: row.host, projectId: row.project_id, operation: p.action, extra });
    } catch (err) {
      // Recorded but nothing will carry it out: put the task state back so the server is not stuck.
      await appendEvents(deps.db, row.uuid, [
        { type: 'state', task_state: null },
        { type: 'action_finished', request_id: requestId, message: 'Error' },
      ]);
      throw err;
    }
    res.status(202).end();
  }

  /** Instant actions still appear in the server's action list, as Nova records them. */
  const recordInstant = (res: Response, row: InstanceRow, action: string, events: Parameters<typeof appendEvents>[2]) =>
    appendEvents(deps.db, row.uuid, [
      { type: 'action_started', action, request_id: res.locals.requestId, user_id: res.locals.auth.userId, project_id: row.project_id, workflow_id: null },
      ...events,
      { type: 'action_finished', request_id: res.locals.requestId },
    ], { requestId: res.locals.requestId });

  bind(router, 'serverAction', opts, async (req, res) => {
    const body = req.body as ActionBody & Record<string, unknown>;
    const key = Object.keys(body)[0]!;
    const auth = res.locals.auth;
    const v = res.locals.microversion;

    if (key in POWER) return power(res, await load(req, res), POWER[key]!);
    const move = MOVES[key];
    if (move) return moves[move]({ res, row: await load(req, res), body });

    switch (key) {
      case 'reboot': {
        const kind = body.reboot!.type.toUpperCase() as RebootKind;
        return power(res, await load(req, res), kind === 'HARD' ? HARD_REBOOT : SOFT_REBOOT, { kind });
      }
      case 'lock': {
        const row = await load(req, res);
        enforce(auth, 'os_compute_api:os-lock-server:lock', { projectId: row.project_id });
        const reason = body.lock?.locked_reason;
        if (reason !== undefined && !v.atLeast('2.73')) {
          throw badRequest("Invalid input for field/attribute lock. Value: {'locked_reason': ...}. Additional properties are not allowed ('locked_reason' was unexpected)");
        }
        const by = auth.projectId === row.project_id ? 'owner' : 'admin';
        await recordInstant(res, row, 'lock', [{ type: 'lock', locked: true, locked_by: by, reason: reason ?? null }]);
        return void res.status(202).end();
      }
      case 'unlock': {
        const row = await load(req, res);
        enforce(auth, 'os_compute_api:os-lock-server:unlock', { projectId: row.project_id });
        const expectedBy = auth.projectId === row.project_id ? 'owner' : 'admin';
        if (row.locked && row.locked_by !== null && row.locked_by !== expectedBy) {
          enforce(auth, 'os_compute_api:os-lock-server:unlock:unlock_override', { projectId: row.project_id });
        }
        await recordInstant(res, row, 'unlock', [{ type: 'lock', locked: false }]);
        return void res.status(202).end();
      }
      case 'os-resetState': {
        const row = await load(req, res);
        enforce(auth, 'os_compute_api:os-admin-actions:reset_state', { projectId: row.project_id });
        await recordInstant(res, row, 'resetState', [{ type: 'state', vm_state: body['os-resetState']!.state, task_state: null }]);
        return void res.status(202).end();
      }
      case 'os-getConsoleOutput': {
        const row = await load(req, res);
        enforce(auth, 'os_compute_api:os-console-output', { projectId: row.project_id });
        const raw = body['os-getConsoleOutput']!.length;
        const length = raw === undefined || raw === null ? undefined : Number(raw);
        if (!row.host || !['active', 'stopped', 'paused', 'suspended', 'error'].includes(row.vm_state)) {
          throw new ApiError(409, `Instance ${row.uuid} is not ready`);
        }
        try {
          const lines = length === undefined || length < 0 ? undefined : length;
          const output = await readConsole(deps.temporal, deps.controlQueue, { uuid: row.uuid, host: row.host, lines }, { projectId: row.project_id, requestId: res.locals.requestId });
          return void res.json({ output });
        } catch (err) {
          if (err instanceof WorkflowFailedError) throw new ApiError(409, `Instance ${row.uuid} is not ready`);
          throw err;
        }
      }
      default:
        throw badRequest(`There is no such action: ${key}`);
    }
  });

  return router;
}
