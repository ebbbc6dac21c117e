/**
 * A compute worker: serves one hypervisor host's activities on its own task queue `compute.<host>` and reports
 * the host alive by signalling the host's monitor workflow through Temporal. It holds no database credentials.
 */
import type { Client } from '@temporalio/client';
import { Worker, type NativeConnection } from '@temporalio/worker';
import type { HypervisorDriver } from '../activities/host/driver.ts';
import { createHostActivities } from '../activities/host/index.ts';
import type { Logger } from '../infra/logger.ts';
import { heartbeatSignal, type Heartbeat, type hostMonitor } from '../workflows/host-monitor.ts';
import { CONTROL_TASK_QUEUE, hostMonitorWorkflowId, hostTaskQueue } from '../workflows/task-queues.ts';
import { runWorker, type RunningWorker } from './running.ts';

export interface ComputeOptions {
  connection: NativeConnection;
  client: Client;
  namespace: string;
  host: string;
  driver: HypervisorDriver;
  reportIntervalSeconds: number;
  log: Logger;
  /** The controller's task queue, where the host's monitor runs (default `novaflow-control`). */
  controlQueue?: string;
  /** Long polls kept open on the host's queue (default 2). */
  pollers?: number;
}

/** Host names become task queue and workflow id parts, so they keep to a DNS-like alphabet. */
export const HOST_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

export async function startComputeWorker(opts: ComputeOptions): Promise<RunningWorker> {
  if (!HOST_NAME.test(opts.host)) throw new Error(`invalid host name ${JSON.stringify(opts.host)}`);
  const log = opts.log.child({ host: opts.host });
  const worker = await Worker.create({
    connection: opts.connection,
    namespace: opts.namespace,
    taskQueue: hostTaskQueue(opts.host),
    activities: createHostActivities(opts.driver),
    // A host's queue carries one host's work, so a couple of long polls are plenty. The SDK's default (10 per
    // worker) meant 500 open polls for 50 fake hosts sharing one connection, and activity completions waited
    // behind them until their start-to-close timeout.
    maxConcurrentActivityTaskPolls: opts.pollers ?? 2,
  });
  let failing = false;
  const report = async () => {
    try {
      await opts.client.workflow.signalWithStart<typeof hostMonitor, [Heartbeat]>(
        'hostMonitor',
        {
          workflowId: hostMonitorWorkflowId(opts.host),
          taskQueue: opts.controlQueue ?? CONTROL_TASK_QUEUE,
          args: [{ host: opts.host }],
          signal: heartbeatSignal,
          signalArgs: [{ info: await opts.driver.hostInfo(), guests: (await opts.driver.listDomains()).map((d) => ({ uuid: d.uuid, powerState: d.powerState })) }],
        },
      );
      if (failing) log.info('heartbeats reach Temporal again');
      failing = false;
    } catch (err) {
      if (!failing) log.warn({ err }, 'heartbeat could not be sent; retrying every report interval');
      failing = true;
    }
  };
  await report();
  const timer = setInterval(() => void report(), opts.reportIntervalSeconds * 1000);
  return runWorker(worker, () => clearInterval(timer));
}
