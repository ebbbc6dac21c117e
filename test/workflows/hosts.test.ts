/**
 * Compute hosts through the real Temporal dev server and PostgreSQL: a workflow on the controller queue reaches a
 * host's own queue and back, and hosts are recorded up by their heartbeats and down when those stop.
 */
import os from 'node:os';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listServices } from '../../activities/control/db/services.ts';
import { FakeDriver } from '../../activities/host/fake/driver.ts';
import { PowerState } from '../../activities/host/driver.ts';
import { allocateInstanceId, appendEvents } from '../../activities/control/instances/store.ts';
import { newInstance } from '../support/instances.ts';
import { createLogger } from '../../infra/logger.ts';
import { startComputeWorker } from '../../workers/compute.ts';
import { startControllerWorker } from '../../workers/controller.ts';
import type { RunningWorker } from '../../workers/running.ts';
import { freshDatabase, type TestDatabase } from '../support/database.ts';
import { connectTestTemporal, testControlQueue, workflowBundle, type TestTemporal } from '../support/temporal.ts';

const log = createLogger('silent');
const DOWN_TIME = 3;
const REPORT_INTERVAL = 0.5;
const run = randomBytes(3).toString('hex'); // host names unique to this run: the dev server outlives a test file

let db: TestDatabase;
let temporal: TestTemporal;
let controller: RunningWorker;

beforeAll(async () => {
  db = await freshDatabase();
  temporal = await connectTestTemporal();
  controller = await startControllerWorker({
    connection: temporal.native,
    client: temporal.client,
    namespace: 'default',
    db: db.pool,
    dataDir: os.tmpdir(),
    log,
    serviceDownTimeSeconds: DOWN_TIME,
    reportIntervalSeconds: REPORT_INTERVAL,
    powerSyncIntervalSeconds: 1,
    workflowBundle: await workflowBundle(),
    hostname: `controller-${run}`,
    taskQueue: testControlQueue,
  });
});

afterAll(async () => {
  await controller?.stop();
  await temporal?.close();
  await db?.drop();
});

function compute(host: string, vcpus = 8, driver = new FakeDriver(host, { vcpus, memoryMb: 4096, localGb: 40 })): Promise<RunningWorker> {
  return startComputeWorker({
    connection: temporal.native,
    client: temporal.client,
    namespace: 'default',
    host,
    driver,
    reportIntervalSeconds: REPORT_INTERVAL,
    log,
    controlQueue: testControlQueue,
  });
}

async function computeState(host: string): Promise<'up' | 'down' | 'absent'> {
  const row = (await listServices(db.pool, DOWN_TIME)).find((s) => s.host === host && s.binary === 'nova-compute');
  return row ? (row.is_up ? 'up' : 'down') : 'absent';
}

async function waitFor<T>(probe: () => Promise<T>, wanted: T, withinMs: number): Promise<number> {
  const t0 = Date.now();
  while (Date.now() - t0 < withinMs) {
    if ((await probe()) === wanted) return Date.now() - t0;
    await sleep(100);
  }
  throw new Error(`still not ${String(wanted)} after ${withinMs} ms (now ${String(await probe())})`);
}

describe('a workflow reaches a compute host through its own task queue', () => {
  it('returns what the host reports about itself', async () => {
    const host = `probe-${run}`;
    const worker = await compute(host, 12);
    try {
      const info = await temporal.client.workflow.execute('probeHost', {
        workflowId: `test-probe-${host}`,
        taskQueue: testControlQueue,
        args: [{ host }],
      });
      expect(info).toMatchObject({ host, hypervisorHostname: host, hypervisorType: 'fake', vcpus: 12, memoryMb: 4096, localGb: 40 });
    } finally {
      await worker.stop();
    }
  });

  it('fails instead of waiting forever when no worker serves the host', async () => {
    await expect(
      temporal.client.workflow.execute('probeHost', {
        workflowId: `test-probe-nobody-${run}`,
        taskQueue: testControlQueue,
        args: [{ host: `nobody-${run}` }],
        workflowExecutionTimeout: '60 seconds',
      }),
    ).rejects.toThrow(/Workflow execution failed/);
  }, 90_000);
});

describe('compute services follow their workers', () => {
  it('records a host up with its inventory, down when its worker stops, and up again when it returns', async () => {
    const host = `life-${run}`;
    let worker = await compute(host);
    await waitFor(() => computeState(host), 'up', 10_000);
    const provider = await db.pool.query('SELECT vcpus, memory_mb, local_gb, hypervisor_type FROM resource_providers WHERE name = $1', [host]);
    expect(provider.rows).toEqual([{ vcpus: 8, memory_mb: 4096, local_gb: 40, hypervisor_type: 'fake' }]);

    await worker.stop();
    const downAfter = await waitFor(() => computeState(host), 'down', (DOWN_TIME + 5) * 1000);
    expect(downAfter).toBeGreaterThan((DOWN_TIME - 1) * 1000); // not before the down time has passed

    worker = await compute(host);
    await waitFor(() => computeState(host), 'up', 10_000);
    await worker.stop();
  }, 60_000);

  it('keeps one service row per host however often it restarts, and moves the generation only on change', async () => {
    const host = `gen-${run}`;
    let worker = await compute(host, 8);
    await waitFor(() => computeState(host), 'up', 10_000);
    await sleep(1500); // several heartbeats with the same inventory
    const gen = async () => (await db.pool.query('SELECT generation FROM resource_providers WHERE name = $1', [host])).rows[0]?.generation;
    const before = await gen();
    await worker.stop();
    worker = await compute(host, 16); // the host came back bigger
    await waitFor(async () => (await db.pool.query('SELECT vcpus FROM resource_providers WHERE name = $1', [host])).rows[0]?.vcpus, 16, 10_000);
    expect(Number(await gen())).toBe(Number(before) + 1);
    const rows = await db.pool.query(`SELECT count(*)::int AS n FROM services WHERE host = $1`, [host]);
    expect(rows.rows[0].n).toBe(1);
    await worker.stop();
  }, 60_000);

  it('lists the controller as scheduler and conductor services', async () => {
    const binaries = (await listServices(db.pool, DOWN_TIME)).filter((s) => s.host === `controller-${run}`).map((s) => s.binary);
    expect(binaries.sort()).toEqual(['nova-conductor', 'nova-scheduler']);
  });
});

describe('power-state sync', () => {
  it('records a server stopped when its guest shut down behind Novaflow’s back, with a stop action', async () => {
    const host = `sync-${run}`;
    const driver = new FakeDriver(host, { vcpus: 8, memoryMb: 4096, localGb: 40 });
    const instance = newInstance(await allocateInstanceId(db.pool));
    await appendEvents(db.pool, instance.uuid, [{ type: 'requested', instance }, { type: 'scheduled', host, node: host }, { type: 'spawned' }]);
    await driver.define({
      uuid: instance.uuid, name: 'instance-sync', vcpus: 1, memoryMb: 512, rootGb: 1, image: null, volumes: [], configDrive: false,
      interfaces: [], userData: null, keyData: null, extraSpecs: {},
    });
    await driver.start(instance.uuid);
    const worker = await compute(host, 8, driver);
    try {
      const state = async () => {
        const r = (await db.pool.query('SELECT vm_state, power_state FROM instances WHERE uuid = $1', [instance.uuid])).rows[0];
        return `${r.vm_state}/${r.power_state}`;
      };
      await sleep(1500); // heartbeats while the guest runs change nothing
      expect(await state()).toBe('active/1');
      await driver.setGuestPowerState(instance.uuid, PowerState.SHUTDOWN);
      await waitFor(state, 'stopped/4', 10_000);
      const actions = await db.pool.query('SELECT action, message FROM instance_actions WHERE instance_uuid = $1', [instance.uuid]);
      expect(actions.rows).toEqual([{ action: 'stop', message: 'The guest stopped outside Novaflow (power-state sync).' }]);
    } finally {
      await worker.stop();
    }
  }, 30_000);
});
