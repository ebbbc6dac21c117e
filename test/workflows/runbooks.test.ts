/**
 * Runbooks through the real `novaflow` CLI, with the controller as its own `novaflow controller` process: a dry
 * run changes nothing; `host drain` empties a host of 30 servers even when the controller is killed halfway (no
 * migration lost or repeated, allocations consistent); pause, resume and cancel of a rolling resize.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { RunbookClient } from '../../infra/runbooks/client.ts';
import { computeClient } from '../support/compute-client.ts';
import { tokenFor } from '../support/identity.ts';
import { novaflow, waitForOutput, type NovaflowProcess } from '../support/novaflow-process.ts';
import { startTestStack, type TestStack } from '../support/stack.ts';
import { until as untilFor } from '../support/until.ts';

/** Runbooks over 30 servers take a while: two minutes, polled every 250 ms. */
const until = <T>(what: string, probe: () => Promise<T | undefined>) => untilFor(what, probe, 120_000, 250);
import { testControlQueue } from '../support/temporal.ts';

let stack: TestStack;
let admin: string;
let controller: NovaflowProcess;
let connection: Connection;
let runbooks: RunbookClient;
const call = computeClient(() => stack.url);

const startController = () =>
  novaflow(['controller'], { NOVAFLOW_LOG_LEVEL: 'info', DATABASE_URL: stack.db.url, NOVAFLOW_DATA_DIR: stack.dataDir, NOVAFLOW_SERVICE_DOWN_TIME: '60', NOVAFLOW_REPORT_INTERVAL: '30' });

const q = async <T = Record<string, unknown>>(sql: string, args: unknown[] = []) => (await stack.db.pool.query(sql, args)).rows as T[];

async function bootOn(host: string, n: number, prefix: string): Promise<string[]> {
  const image = (await q<{ id: string }>(`SELECT id::text FROM images WHERE name = 'cirros'`))[0]!.id;
  const answer = await call(admin, 'POST', '/servers', {
    server: { name: prefix, imageRef: image, flavorRef: '1', networks: 'none', availability_zone: `nova:${host}`, min_count: n, max_count: n },
  }, '2.37');
  expect(answer.status).toBe(202);
  const ids = (await q<{ uuid: string }>(`SELECT uuid FROM instances WHERE name LIKE $1 || '%'`, [prefix])).map((r) => r.uuid);
  await until(`${n} servers ACTIVE`, async () => {
    const [row] = await q<{ n: number }>(`SELECT count(*)::int AS n FROM instances WHERE uuid = ANY($1) AND vm_state = 'active' AND task_state IS NULL`, [ids]);
    return row!.n === n ? true : undefined;
  });
  return ids;
}

beforeAll(async () => {
  stack = await startTestStack({ hosts: 3, controller: false, liveMigrationMs: 500, capacity: { vcpus: 64, memoryMb: 65536, localGb: 2000 } });
  controller = startController();
  await waitForOutput(controller, /controller worker running/, 120_000);
  admin = (await tokenFor(stack.db.pool, { project: 'ops', role: 'admin' })).token;
  connection = await Connection.connect({ address: inject('temporalAddress') });
  runbooks = new RunbookClient(new Client({ connection, namespace: 'default' }), { taskQueue: testControlQueue });
}, 180_000);

afterAll(async () => {
  if (controller?.child.exitCode === null) controller.child.kill('SIGKILL');
  await connection?.close();
  await stack?.stop();
});

describe('runbooks', () => {
  it('a dry run prints the plan and changes nothing', async () => {
    const projectId = (await q<{ id: string }>(`SELECT id FROM projects WHERE name = 'ops'`))[0]!.id;
    await call(admin, 'PUT', `/os-quota-sets/${projectId}`, { quota_set: { instances: 100, cores: 200, ram: 200_000 } });
    const ids = await bootOn(stack.hosts[0]!, 30, 'drain-me');
    const before = await q(`SELECT uuid, host, flavor->>'flavorid' AS flavor, vm_state FROM instances ORDER BY uuid`);

    const resize = novaflow(['servers', 'resize', '--flavor', '2', '--from-flavor', '1', '--dry-run']);
    expect(await resize.exited()).toBe(0);
    expect(resize.output()).toContain('plan (servers-resize):');
    expect(resize.output().match(/^ {2}resize +drain-me-\d+/gm)).toHaveLength(30);
    expect(resize.output()).toContain('30 server(s) to move, 0 skipped. Nothing was changed (dry run).');

    const drain = novaflow(['host', 'drain', stack.hosts[0]!, '--dry-run']);
    expect(await drain.exited()).toBe(0);
    expect(drain.output().match(/^ {2}live-migrate +drain-me-\d+/gm)).toHaveLength(30);

    expect(await q(`SELECT uuid, host, flavor->>'flavorid' AS flavor, vm_state FROM instances ORDER BY uuid`)).toEqual(before);
    expect(await q('SELECT * FROM migrations')).toEqual([]);
    expect((await q<{ disabled: boolean }>(`SELECT disabled FROM services WHERE host = $1`, [stack.hosts[0]]))[0]!.disabled).toBe(false);
    expect(ids).toHaveLength(30);
  }, 300_000);

  it('host drain empties the host, and a controller killed halfway loses and repeats nothing', async () => {
    const source = stack.hosts[0]!;
    const ids = (await q<{ uuid: string }>(`SELECT uuid FROM instances WHERE host = $1`, [source])).map((r) => r.uuid);
    expect(ids).toHaveLength(30);

    const drain = novaflow(['host', 'drain', source, '--concurrency', '4', '--reason', 'disk swap']);
    const id = (await waitForOutput(drain, /runbook (runbook-host-drain-\w+) started/, 60_000))[1]!;
    const atKill = await until('a third of the servers moved', async () => {
      const p = await runbooks.progress(id);
      return p.done >= 10 ? p : undefined;
    });
    controller.child.kill('SIGKILL');
    expect(atKill.done).toBeLessThan(30); // the kill lands in the middle of the drain
    await controller.exited();
    await sleep(2000);
    controller = startController();
    await waitForOutput(controller, /controller worker running/, 120_000);

    expect(await drain.exited()).toBe(0);
    expect(drain.output()).toMatch(/runbook done: 30 done, 0 failed, 0 skipped/);

    const servers = await q<{ uuid: string; host: string; vm_state: string; task_state: string | null }>(
      `SELECT uuid, host, vm_state, task_state FROM instances WHERE uuid = ANY($1)`, [ids],
    );
    expect(servers.every((s) => s.vm_state === 'active' && s.task_state === null && s.host !== source)).toBe(true);
    // Exactly one live migration per server, completed; no other migration.
    const migrations = await q<{ instance_uuid: string; migration_type: string; status: string }>(`SELECT instance_uuid, migration_type, status FROM migrations`);
    expect(migrations).toHaveLength(30);
    expect(new Set(migrations.map((m) => m.instance_uuid)).size).toBe(30);
    expect(migrations.every((m) => m.migration_type === 'live-migration' && m.status === 'completed')).toBe(true);
    // Allocations: one per server, on the host it runs on; nothing left on the drained host or held by a migration.
    const allocations = await q<{ consumer_id: string; host: string }>(
      `SELECT a.consumer_id, rp.host FROM allocations a JOIN resource_providers rp ON rp.id = a.resource_provider_id`,
    );
    expect(allocations).toHaveLength(30);
    for (const s of servers) expect(allocations.filter((a) => a.consumer_id === s.uuid).map((a) => a.host)).toEqual([s.host]);
    // Each guest exists on exactly one fake host: the one the server says.
    for (const s of servers) {
      const holders = [];
      for (const [host, driver] of stack.drivers) if (await driver.domainState(s.uuid)) holders.push(host);
      expect(holders).toEqual([s.host]);
    }
    const service = (await q<{ disabled: boolean; disabled_reason: string }>(`SELECT disabled, disabled_reason FROM services WHERE host = $1`, [source]))[0]!;
    expect(service).toEqual({ disabled: true, disabled_reason: 'disk swap' });
    const status = novaflow(['runbook', 'status', id]);
    expect(await status.exited()).toBe(0);
    expect(status.output()).toContain('done: 30 done, 0 failed, 0 remaining');
  }, 600_000);

  it('a rolling resize can be paused, resumed and cancelled at a safe point', async () => {
    const servers = (await q<{ uuid: string }>(`SELECT uuid FROM instances ORDER BY created_at LIMIT 6`)).map((r) => r.uuid);
    const id = await runbooks.start('servers-resize', { flavor: '2', servers, confirm: true }, { concurrency: 1 });
    await runbooks.pause(id);
    const paused = await until('paused', async () => {
      const p = await runbooks.progress(id);
      return p.phase === 'paused' ? p : undefined;
    });
    await sleep(1500);
    const still = await runbooks.progress(id);
    expect(still.done + still.failed).toBeLessThanOrEqual(paused.done + paused.failed + 1); // at most the one under way
    await runbooks.resume(id);
    await until('one resized', async () => ((await runbooks.progress(id)).done >= 2 ? true : undefined));
    await runbooks.cancel(id);
    const end = await until('ended', async () => {
      const p = await runbooks.progress(id);
      return p.ended ? p : undefined;
    });
    expect(end.phase).toBe('cancelled');
    expect(end.done).toBeGreaterThanOrEqual(2);
    expect(end.done).toBeLessThan(6);
    expect(end.skipped).toBe(6 - end.done);
    // Every server is whole: resized and confirmed, or untouched; none left in between.
    const rows = await q<{ vm_state: string; task_state: string | null; flavor: string }>(
      `SELECT vm_state, task_state, flavor->>'flavorid' AS flavor FROM instances WHERE uuid = ANY($1)`, [servers],
    );
    expect(rows.every((r) => r.vm_state === 'active' && r.task_state === null)).toBe(true);
    expect(rows.filter((r) => r.flavor === '2')).toHaveLength(end.done);
  }, 300_000);

  it('reports the servers that fail and goes on, unless asked to stop at the first failure', async () => {
    const bad = (await call(admin, 'POST', '/flavors', { flavor: { name: 'breaks', ram: 1024, vcpus: 1, disk: 1 } })).body.flavor.id;
    await call(admin, 'POST', `/flavors/${bad}/os-extra_specs`, { extra_specs: { 'novaflow:fake_fail_spawn_on': '*' } });
    const servers = (await q<{ uuid: string }>(`SELECT uuid FROM instances ORDER BY created_at DESC LIMIT 3`)).map((r) => r.uuid);
    const ended = async (id: string) =>
      until('the runbook ended', async () => {
        const p = await runbooks.progress(id);
        return p.ended ? p : undefined;
      });

    const goesOn = await ended(await runbooks.start('servers-resize', { flavor: bad, servers }, { concurrency: 2 }));
    expect(goesOn).toMatchObject({ phase: 'done', done: 0, failed: 3, skipped: 0 });
    expect(goesOn.items.every((i) => i.status === 'failed' && /compute_finish_resize: .*injected failure/.test(i.detail ?? ''))).toBe(true);

    const stops = await ended(await runbooks.start('servers-resize', { flavor: bad, servers }, { concurrency: 1, stopOnError: true }));
    expect(stops).toMatchObject({ phase: 'cancelled', done: 0, failed: 1, skipped: 2 });
    // The failed resizes were undone: every server runs, on its old flavor, with one allocation.
    const rows = await q<{ vm_state: string; task_state: string | null; flavor: string }>(
      `SELECT vm_state, task_state, flavor->>'flavorid' AS flavor FROM instances WHERE uuid = ANY($1)`, [servers],
    );
    expect(rows.every((r) => r.vm_state === 'active' && r.task_state === null && r.flavor !== bad)).toBe(true);
    const held = await q<{ n: number }>(`SELECT count(*)::int AS n FROM allocations WHERE consumer_id = ANY($1)`, [servers]);
    expect(held[0]!.n).toBe(3);
  }, 300_000);

  it('host maintenance on and off', async () => {
    const host = stack.hosts[2]!;
    const on = novaflow(['host', 'maintenance', host, 'on', '--reason', 'firmware']);
    expect(await on.exited()).toBe(0);
    expect((await q(`SELECT disabled, disabled_reason FROM services WHERE host = $1`, [host]))[0]).toEqual({ disabled: true, disabled_reason: 'firmware' });
    const off = novaflow(['host', 'maintenance', host, 'off']);
    expect(await off.exited()).toBe(0);
    expect((await q(`SELECT disabled, disabled_reason FROM services WHERE host = $1`, [host]))[0]).toEqual({ disabled: false, disabled_reason: null });
  }, 120_000);
});
