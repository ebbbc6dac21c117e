/**
 * The controller worker on `novaflow-control`: every workflow, and the controller-side activities (database,
 * scheduler, identity). It also keeps its own scheduler and conductor services alive in the services table.
 */
import os from 'node:os';
import type { Client } from '@temporalio/client';
import { Worker, type NativeConnection, type WorkflowBundle } from '@temporalio/worker';
import type pg from 'pg';
import { createControlActivities } from '../activities/control/index.ts';
import { heartbeatControlService } from '../activities/control/db/services.ts';
import type { Logger } from '../infra/logger.ts';
import { CONTROL_TASK_QUEUE } from '../workflows/task-queues.ts';
import { runWorker, type RunningWorker } from './running.ts';

export const workflowsPath = new URL('../workflows/index.ts', import.meta.url).pathname;

export interface ControllerOptions {
  connection: NativeConnection;
  /** A client for activities that act on other workflows (stopping a build). */
  client: Client;
  namespace: string;
  db: pg.Pool;
  /** The data directory of the embedded volume service (volume files). */
  dataDir: string;
  log: Logger;
  serviceDownTimeSeconds: number;
  reportIntervalSeconds: number;
  /** How often host power states are synced (default 60 s). */
  powerSyncIntervalSeconds?: number;
  /** A pre-built bundle (tests build once); otherwise the workflows are bundled at start. */
  workflowBundle?: WorkflowBundle;
  hostname?: string;
  /** The controller's task queue (default `novaflow-control`). */
  taskQueue?: string;
}

export async function startControllerWorker(opts: ControllerOptions): Promise<RunningWorker> {
  const worker = await Worker.create({
    connection: opts.connection,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue ?? CONTROL_TASK_QUEUE,
    ...(opts.workflowBundle ? { workflowBundle: opts.workflowBundle } : { workflowsPath }),
    activities: createControlActivities({
      db: opts.db,
      dataDir: opts.dataDir,
      temporal: opts.client,
      settings: { serviceDownTimeSeconds: opts.serviceDownTimeSeconds, powerSyncIntervalSeconds: opts.powerSyncIntervalSeconds ?? 60 },
    }),
  });
  const hostname = opts.hostname ?? os.hostname();
  const beat = () =>
    Promise.all([
      heartbeatControlService(opts.db, hostname, 'nova-scheduler', 'scheduler'),
      heartbeatControlService(opts.db, hostname, 'nova-conductor', 'conductor'),
    ]).catch((err: unknown) => opts.log.warn({ err }, 'controller service heartbeat failed'));
  await beat();
  const timer = setInterval(beat, opts.reportIntervalSeconds * 1000);
  timer.unref();
  return runWorker(worker, () => clearInterval(timer));
}
