/**
 * The embedded Temporal default: the `temporal` CLI's dev server with its Web UI, persisting to a SQLite file
 * in the data directory. Started in its own process group so that only the launcher decides when it stops.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Connection } from '@temporalio/client';
import type { Logger } from './logger.ts';
import { processAlive, stopPid } from './processes.ts';
import type { TemporalBinary } from './temporal-binary.ts';

export interface DevServer {
  address: string;
  uiUrl: string;
  stop(): Promise<void>;
}

export async function startTemporalDevServer(opts: {
  binary: TemporalBinary;
  dataDir: string;
  port: number;
  uiPort: number;
  namespace: string;
  log: Logger;
}): Promise<DevServer> {
  const pidFile = path.join(opts.dataDir, 'temporal.pid');
  await stopStaleServer(pidFile, opts.log);
  await fs.mkdir(path.join(opts.dataDir, 'logs'), { recursive: true });
  const logFile = await fs.open(path.join(opts.dataDir, 'logs', 'temporal.log'), 'a');
  const child = spawn(
    opts.binary.path,
    ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(opts.port), '--ui-port', String(opts.uiPort),
      '--db-filename', path.join(opts.dataDir, 'temporal.sqlite'), '--namespace', opts.namespace,
      '--log-level', 'warn'],
    { detached: true, stdio: ['ignore', logFile.fd, logFile.fd] },
  );
  await logFile.close();
  const pid = child.pid!;
  await fs.writeFile(pidFile, `${pid}\n`);
  let exited = false;
  child.once('exit', () => (exited = true));

  const address = `127.0.0.1:${opts.port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (exited) {
      throw new Error(
        `the Temporal dev server exited at start-up (ports ${opts.port}/${opts.uiPort} taken? set NOVAFLOW_TEMPORAL_PORT/NOVAFLOW_TEMPORAL_UI_PORT, or TEMPORAL_ADDRESS); see ${path.join(opts.dataDir, 'logs', 'temporal.log')}`,
      );
    }
    if (await answers(address)) break;
    if (Date.now() > deadline) throw new Error('the Temporal dev server did not answer within 60 s');
    await sleep(200);
  }
  return {
    address,
    uiUrl: `http://127.0.0.1:${opts.uiPort}`,
    stop: async () => {
      await stopPid(pid, 'SIGTERM', 15_000);
      await fs.rm(pidFile, { force: true });
    },
  };
}

async function answers(address: string): Promise<boolean> {
  try {
    const connection = await Connection.connect({ address, connectTimeout: 1000 });
    try {
      await connection.workflowService.getSystemInfo({});
      return true;
    } finally {
      await connection.close();
    }
  } catch {
    return false;
  }
}

/** A dev server left by a launcher that was killed still holds the SQLite file and the ports. */
async function stopStaleServer(pidFile: string, log: Logger): Promise<void> {
  const pid = Number.parseInt(await fs.readFile(pidFile, 'utf8').catch(() => ''), 10);
  if (!Number.isInteger(pid) || pid <= 0 || !processAlive(pid)) return;
  const cmdline = await fs.readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  if (!cmdline.includes('start-dev')) return;
  log.warn({ pid }, 'stopping a Temporal dev server left running by an earlier launcher');
  await stopPid(pid, 'SIGTERM', 15_000);
}
