/**
 * The product as a newcomer runs it: `novaflow stack` as a real process on embedded defaults (its own data
 * directory and ports), a separate `novaflow compute` that holds no database credentials, Ctrl-C, and a restart.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../../infra/config.ts';
import { processAlive } from '../../infra/processes.ts';
import { openstack } from '../support/openstack-cli.ts';
import { freePort } from '../support/ports.ts';

const cli = path.join(repoRoot, 'bin', 'novaflow.mjs');
const children: ChildProcess[] = [];
let dataDir: string;
let env: NodeJS.ProcessEnv;

afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  if (dataDir) await fs.rm(dataDir, { recursive: true, force: true });
});

function start(args: string[], extraEnv: NodeJS.ProcessEnv = {}): { child: ChildProcess; output: () => string } {
  let out = '';
  const child = spawn(process.execPath, [cli, ...args], { env: { ...env, ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  children.push(child);
  return { child, output: () => out };
}

async function waitForOutput(output: () => string, pattern: RegExp, ms: number): Promise<void> {
  const t0 = Date.now();
  while (!pattern.test(output())) {
    if (Date.now() - t0 > ms) throw new Error(`no ${pattern} within ${ms} ms; output:\n${output()}`);
    await sleep(200);
  }
}

function exited(child: ChildProcess): Promise<number | null> {
  return child.exitCode !== null ? Promise.resolve(child.exitCode) : new Promise((r) => child.once('exit', (code) => r(code)));
}

async function computeStates(): Promise<Record<string, string>> {
  const password = (await fs.readFile(path.join(dataDir, 'postgres.password'), 'utf8')).trim();
  const client = new pg.Client({ connectionString: `postgres://novaflow:${password}@127.0.0.1:${env.NOVAFLOW_PG_PORT}/novaflow` });
  await client.connect();
  try {
    const rows = await client.query<{ host: string; up: boolean }>(
      `SELECT host, state = 'up' AND last_seen_at >= now() - interval '4 seconds' AS up FROM services WHERE "binary" = 'nova-compute'`,
    );
    return Object.fromEntries(rows.rows.map((r) => [r.host, r.up ? 'up' : 'down']));
  } finally {
    await client.end();
  }
}

async function waitForState(host: string, state: string, ms: number): Promise<void> {
  const t0 = Date.now();
  while ((await computeStates())[host] !== state) {
    if (Date.now() - t0 > ms) throw new Error(`${host} not ${state} within ${ms} ms: ${JSON.stringify(await computeStates())}`);
    await sleep(250);
  }
}

describe('novaflow stack', () => {
  it('starts everything, tracks hosts, stops cleanly on Ctrl-C and keeps its data across restarts', async () => {
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'novaflow-e2e-'));
    const apiPort = await freePort();
    env = {
      ...process.env,
      NOVAFLOW_DATA_DIR: dataDir,
      NOVAFLOW_API_PORT: String(apiPort),
      NOVAFLOW_PG_PORT: String(await freePort()),
      NOVAFLOW_TEMPORAL_PORT: String(await freePort()),
      NOVAFLOW_TEMPORAL_UI_PORT: String(await freePort()),
      NOVAFLOW_REPORT_INTERVAL: '1',
      NOVAFLOW_SERVICE_DOWN_TIME: '4',
    };
    delete env.DATABASE_URL;
    delete env.TEMPORAL_ADDRESS;

    const stack = start(['stack', '--hosts', '2']);
    await waitForOutput(stack.output, /Novaflow is up in/, 90_000);
    const out = stack.output();
    expect(out).toContain(`http://127.0.0.1:${apiPort}`);
    expect(out).toContain(`Temporal Web  http://127.0.0.1:${env.NOVAFLOW_TEMPORAL_UI_PORT}`);
    expect(out).toMatch(/openstack \S+/);
    const openrc = await fs.readFile(path.join(dataDir, 'openrc'), 'utf8');
    expect(openrc).toContain(`OS_AUTH_URL='http://127.0.0.1:${apiPort}/identity/v3'`);

    expect((await fetch(`http://127.0.0.1:${apiPort}/healthz`)).status).toBe(200);
    expect(((await (await fetch(`http://127.0.0.1:${apiPort}/compute/v2.1/`)).json()) as { version: { id: string } }).version.id).toBe('v2.1');
    expect((await fetch(`http://127.0.0.1:${env.NOVAFLOW_TEMPORAL_UI_PORT}/`)).status).toBe(200);
    await waitForState('fake-01', 'up', 15_000);
    await waitForState('fake-02', 'up', 15_000);
    // What an operator sees, with the openrc the stack wrote.
    const password = /OS_PASSWORD='([^']*)'/.exec(openrc)![1]!;
    const operator = { username: 'admin', password, project: 'admin' };
    const apiUrl = `http://127.0.0.1:${apiPort}`;
    const computeServices = async () =>
      Object.fromEntries(
        (await openstack<{ Host: string; Binary: string; State: string }[]>(apiUrl, operator, ['compute', 'service', 'list']))
          .filter((s) => s.Binary === 'nova-compute')
          .map((s) => [s.Host, s.State]),
      );
    expect(await computeServices()).toEqual({ 'fake-01': 'up', 'fake-02': 'up' });

    // A compute host started on its own, with no way to reach the database: it reports through Temporal only.
    const bareDir = await fs.mkdtemp(path.join(os.tmpdir(), 'novaflow-host-'));
    const host = start(['compute', '--host', 'extra-1', '--driver', 'fake'], { NOVAFLOW_DATA_DIR: bareDir, DATABASE_URL: '' });
    await waitForState('extra-1', 'up', 30_000);
    host.child.kill('SIGINT');
    expect(await exited(host.child)).toBe(0);
    await waitForState('extra-1', 'down', 15_000);
    expect(await computeServices()).toEqual({ 'fake-01': 'up', 'fake-02': 'up', 'extra-1': 'down' });
    const again = start(['compute', '--host', 'extra-1'], { NOVAFLOW_DATA_DIR: bareDir, DATABASE_URL: '' });
    await waitForState('extra-1', 'up', 30_000);
    again.child.kill('SIGTERM');
    expect(await exited(again.child)).toBe(0);
    await fs.rm(bareDir, { recursive: true, force: true });

    // Ctrl-C: everything the stack started goes away.
    const pgPid = Number((await fs.readFile(path.join(dataDir, 'postgres', 'postmaster.pid'), 'utf8')).split('\n')[0]);
    const temporalPid = Number(await fs.readFile(path.join(dataDir, 'temporal.pid'), 'utf8'));
    expect(processAlive(pgPid) && processAlive(temporalPid)).toBe(true);
    stack.child.kill('SIGINT');
    expect(await exited(stack.child)).toBe(0);
    expect(stack.output()).toContain('Stopped.');
    expect(processAlive(pgPid)).toBe(false);
    expect(processAlive(temporalPid)).toBe(false);
    expect(processAlive(stack.child.pid!)).toBe(false);

    // A second start reuses the data directory: the hosts recorded before are still there.
    const second = start(['stack', '--hosts', '2']);
    await waitForOutput(second.output, /Novaflow is up in/, 90_000);
    expect(second.output()).toContain('migrations and first-start data');
    expect(second.output()).toMatch(/first-start data \([\d.]+ s\) — schema up to date/);
    expect(Object.keys(await computeStates()).sort()).toEqual(['extra-1', 'fake-01', 'fake-02']);
    second.child.kill('SIGTERM');
    expect(await exited(second.child)).toBe(0);
  }, 300_000);
});
