/**
 * The runbooks (`runbook-<kind>-<id>`): host drain, host evacuation, host maintenance and rolling resize, each a
 * plan of per-server moves carried out N at a time. Every move is the same workflow the API starts (a child of
 * the runbook, abandoned rather than killed if the runbook ends), so Temporal Web shows the runbook with each
 * server's move beneath it. A query reports progress; signals pause, resume and cancel (cancel takes no new
 * server and lets the moves under way finish: a safe point). One server's failure is reported and does not stop
 * the runbook unless it was asked to. Everything is durable: a restart of any process resumes where it was.
 */
import {
  condition,
  defineQuery,
  defineSignal,
  executeChild,
  ParentClosePolicy,
  proxyActivities,
  setHandler,
  uuid4,
  workflowInfo,
} from '@temporalio/workflow';
import type { ControlActivities } from '../activities/control/index.ts';
import type { MoveSettings } from '../activities/control/move-requests.ts';
import type { ItemAction, PlanItem, RunbookKind, RunbookParams, RunbookPlan } from '../activities/control/runbooks.ts';
import { controllerDb } from './activity-profiles.ts';
import { failureMessage } from './failures.ts';
import { Host, InstanceUuid, Operation, ProjectId, RequestId } from './search-attributes.ts';

export interface RunbookInput {
  kind: RunbookKind;
  params: RunbookParams;
  /** Servers moved at once. */
  concurrency: number;
  stopOnError: boolean;
  /** Only work out and return the plan. */
  dryRun: boolean;
  moveSettings: MoveSettings;
}

export type ItemStatus = 'pending' | 'running' | 'done' | 'failed' | 'skipped';

export interface RunbookItem extends PlanItem {
  status: ItemStatus;
  /** What happened (the error of a failed move, the reason of a skip). */
  detail?: string;
  /** The move's workflow, to find it in Temporal Web. */
  workflowId?: string;
}

export interface RunbookProgress {
  kind: RunbookKind;
  phase: 'planning' | 'running' | 'paused' | 'cancelling' | 'done' | 'cancelled' | 'failed';
  steps: string[];
  total: number;
  done: number;
  failed: number;
  skipped: number;
  running: number;
  items: RunbookItem[];
  message?: string;
}

export const runbookProgressQuery = defineQuery<RunbookProgress>('progress');
export const pauseRunbookSignal = defineSignal('pause');
export const resumeRunbookSignal = defineSignal('resume');
export const cancelRunbookSignal = defineSignal('cancel');

const control = proxyActivities<ControlActivities>(controllerDb);

/** A child workflow's result that means its move went through. */
const SUCCESS = new Set(['completed', 'resized', 'confirmed', 'done']);

export async function runbook(input: RunbookInput): Promise<RunbookProgress> {
  const progress: RunbookProgress = { kind: input.kind, phase: 'planning', steps: [], total: 0, done: 0, failed: 0, skipped: 0, running: 0, items: [] };
  let paused = false;
  let cancelled = false;
  /** While the servers move, the phase follows the pause and cancel signals. */
  const phase = () => (progress.phase !== 'running' ? progress.phase : cancelled ? 'cancelling' : paused ? 'paused' : 'running');
  setHandler(runbookProgressQuery, () => ({ ...progress, phase: phase(), items: progress.items.map((i) => ({ ...i })) }));
  setHandler(pauseRunbookSignal, () => void (paused = true));
  setHandler(resumeRunbookSignal, () => void (paused = false));
  setHandler(cancelRunbookSignal, () => void (cancelled = true));

  let plan: RunbookPlan;
  try {
    plan = await control.planRunbook({ kind: input.kind, params: input.params });
  } catch (err) {
    return Object.assign(progress, { phase: 'failed', message: failureMessage(err) } as const);
  }
  progress.steps = plan.steps;
  progress.items = plan.items.map((i) => ({ ...i, status: i.action === 'skip' ? 'skipped' : 'pending', ...(i.action === 'skip' ? { detail: i.note } : {}) }));
  progress.total = progress.items.length;
  progress.skipped = progress.items.filter((i) => i.status === 'skipped').length;
  if (input.dryRun) return Object.assign(progress, { phase: 'done', message: 'dry run: nothing was changed' } as const);

  progress.phase = 'running';
  const host = input.params.host;
  if (input.kind === 'host-maintenance' || input.kind === 'host-drain') {
    const disable = input.kind === 'host-drain' || input.params.maintenance === 'on';
    await control.setHostService({ host: host!, disabled: disable, reason: disable ? (input.params.reason ?? `novaflow ${input.kind} ${workflowInfo().workflowId}`) : undefined });
  }

  const settle = (item: RunbookItem, status: 'done' | 'failed' | 'skipped', detail?: string) => {
    item.status = status;
    if (detail !== undefined) item.detail = detail;
    progress.running -= 1;
    progress[status] += 1;
    if (status === 'failed' && input.stopOnError) cancelled = true;
  };

  /** Records a move and runs its workflow to the end; the child's result string. */
  async function move(item: RunbookItem, action: ItemAction | 'confirm'): Promise<{ ok: boolean; detail?: string }> {
    const requestId = `req-${uuid4()}`;
    const started = await control.beginRunbookMove({
      uuid: item.uuid, action, requestId, migrationUuid: uuid4(), idemKey: `${workflowInfo().workflowId}:${requestId}`,
      flavor: input.params.flavor, settings: input.moveSettings,
    });
    if ('refused' in started) return { ok: false, detail: started.refused };
    item.workflowId = started.workflowId;
    const result = await executeChild<(a: Record<string, unknown>) => Promise<string>>(started.workflow, {
      workflowId: started.workflowId,
      args: [started.args],
      parentClosePolicy: ParentClosePolicy.ABANDON,
      typedSearchAttributes: [
        { key: InstanceUuid, value: item.uuid },
        { key: ProjectId, value: started.projectId },
        { key: Operation, value: action === 'confirm' ? 'confirmResize' : String(started.args.kind ?? action) },
        { key: RequestId, value: requestId },
        ...(started.host ? [{ key: Host, value: started.host }] : []),
      ],
    });
    if (SUCCESS.has(result)) return { ok: true };
    return { ok: false, detail: await control.moveFailure({ uuid: item.uuid, requestId }) };
  }

  async function runItem(item: RunbookItem): Promise<void> {
    item.status = 'running';
    progress.running += 1;
    try {
      let action = item.action as ItemAction;
      let outcome = await move(item, action);
      if (!outcome.ok && action === 'live-migrate' && input.params.coldFallback) {
        action = 'cold-migrate';
        outcome = await move(item, action);
        if (outcome.ok) item.detail = 'live migration failed: cold-migrated instead';
      }
      const confirm = action === 'cold-migrate' || (action === 'resize' && input.params.confirm);
      if (outcome.ok && confirm) outcome = await move(item, 'confirm');
      settle(item, outcome.ok ? 'done' : 'failed', outcome.detail);
    } catch (err) {
      settle(item, 'failed', failureMessage(err));
    }
  }

  const queue = progress.items.filter((i) => i.status === 'pending');
  const lane = async () => {
    for (;;) {
      await condition(() => !paused || cancelled);
      if (cancelled) return;
      const next = queue.shift();
      if (!next) return;
      await runItem(next);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, input.concurrency) }, lane));
  for (const item of queue) {
    item.status = 'skipped';
    item.detail = 'not started: the runbook was cancelled';
    progress.skipped += 1;
  }
  progress.phase = cancelled ? 'cancelled' : 'done';
  progress.message = `${progress.done} done, ${progress.failed} failed, ${progress.skipped} skipped`;
  return progress;
}
