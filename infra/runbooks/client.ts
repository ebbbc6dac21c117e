/**
 * The runbooks' typed client, for the `novaflow` CLI and for operators' own scripts: start a runbook (or only
 * plan it), read its progress, pause, resume or cancel it, and wait for its end. It needs Temporal only: the
 * runbook workflow does the rest on the controller.
 *
 *   const runbooks = new RunbookClient(client, { taskQueue: 'novaflow-control' });
 *   const id = await runbooks.start('host-drain', { host: 'fake-02' }, { concurrency: 5 });
 *   for await (const p of runbooks.watch(id)) console.log(p.done, '/', p.total);
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { randomBytes } from 'node:crypto';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { MoveSettings } from '../../activities/control/move-requests.ts';
import type { RunbookKind, RunbookParams } from '../../activities/control/runbooks.ts';
import type { RunbookInput, RunbookProgress } from '../../workflows/runbook.ts';
import { Host, Operation } from '../../workflows/search-attributes.ts';

export interface RunbookOptions {
  concurrency?: number;
  stopOnError?: boolean;
  moveSettings?: MoveSettings;
}

export interface RunbookClientOptions {
  /** The controller's task queue (NOVAFLOW_CONTROL_QUEUE). */
  taskQueue: string;
  /** Temporal Web's base URL and namespace, for links. */
  webUrl?: string;
  namespace?: string;
}

export class RunbookClient {
  constructor(
    private readonly client: Client,
    private readonly options: RunbookClientOptions,
  ) {}

  private input(kind: RunbookKind, params: RunbookParams, opts: RunbookOptions, dryRun: boolean): RunbookInput {
    return {
      kind, params, dryRun,
      concurrency: opts.concurrency ?? 3,
      stopOnError: opts.stopOnError ?? false,
      moveSettings: opts.moveSettings ?? { allowResizeToSameHost: false, resizeConfirmWindowSeconds: 0 },
    };
  }

  private attributes(kind: RunbookKind, params: RunbookParams) {
    return [{ key: Operation, value: `runbook:${kind}` }, ...(params.host ? [{ key: Host, value: params.host }] : [])];
  }

  /** Starts the runbook; its id (the workflow id). */
  async start(kind: RunbookKind, params: RunbookParams, opts: RunbookOptions = {}): Promise<string> {
    const workflowId = `runbook-${kind}-${randomBytes(4).toString('hex')}`;
    await this.client.workflow.start('runbook', {
      workflowId, taskQueue: this.options.taskQueue, args: [this.input(kind, params, opts, false)], typedSearchAttributes: this.attributes(kind, params),
    });
    return workflowId;
  }

  /** The plan, worked out by the controller, with nothing changed (a short workflow of its own). */
  async plan(kind: RunbookKind, params: RunbookParams, opts: RunbookOptions = {}): Promise<RunbookProgress> {
    return this.client.workflow.execute('runbook', {
      workflowId: `runbook-${kind}-plan-${randomBytes(4).toString('hex')}`,
      taskQueue: this.options.taskQueue,
      args: [this.input(kind, params, opts, true)],
      typedSearchAttributes: this.attributes(kind, params),
      workflowExecutionTimeout: '2 minutes',
    });
  }

  /** Progress now: from the running workflow, or its result once it has ended. */
  async progress(id: string): Promise<RunbookProgress & { ended: boolean }> {
    const handle = this.client.workflow.getHandle(id);
    const description = await handle.describe();
    if (description.status.name === 'RUNNING') return { ...(await handle.query<RunbookProgress>('progress')), ended: false };
    if (description.status.name === 'COMPLETED') return { ...(await handle.result()), ended: true };
    throw new Error(`runbook ${id} ${description.status.name.toLowerCase()}`);
  }

  pause(id: string): Promise<void> {
    return this.client.workflow.getHandle(id).signal('pause');
  }
  resume(id: string): Promise<void> {
    return this.client.workflow.getHandle(id).signal('resume');
  }
  /** Takes no new server; the moves under way finish. */
  cancel(id: string): Promise<void> {
    return this.client.workflow.getHandle(id).signal('cancel');
  }

  /**
   * Progress every `intervalMs` until the runbook ends. A Temporal that does not answer (restarting) is waited
   * for; `onUnreachable` hears about it.
   */
  async *watch(id: string, intervalMs = 1000, onUnreachable?: (err: Error) => void): AsyncGenerator<RunbookProgress & { ended: boolean }> {
    for (;;) {
      let p: (RunbookProgress & { ended: boolean }) | undefined;
      try {
        p = await this.progress(id);
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) throw new Error(`runbook ${id} not found`, { cause: err });
        if ((err as Error).message?.startsWith(`runbook ${id} `)) throw err;
        onUnreachable?.(err as Error);
      }
      if (p) {
        yield p;
        if (p.ended) return;
      }
      await sleep(intervalMs);
    }
  }

  /** Temporal Web's page of the runbook. */
  webLink(id: string): string | undefined {
    return this.options.webUrl ? `${this.options.webUrl}/namespaces/${this.options.namespace ?? 'default'}/workflows/${encodeURIComponent(id)}` : undefined;
  }
}
