/**
 * Building and deleting servers as workflows, through the real Temporal dev server and PostgreSQL, on fake hosts
 * served by real compute workers: placement, reschedule on failure, no valid host, delete, delete mid-build, and
 * 50 concurrent builds against room for 30.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { upsertComputeHost } from '../../activities/control/db/services.ts';
import { allocateInstanceId, appendEvents } from '../../activities/control/instances/store.ts';
import { FakeDriver, FAIL_SPAWN_KEY } from '../../activities/host/fake/driver.ts';
import { createLogger } from '../../infra/logger.ts';
import { prepareDatabase } from '../../infra/prepare-database.ts';
import { startComputeWorker } from '../../workers/compute.ts';
import { startControllerWorker } from '../../workers/controller.ts';
import type { RunningWorker } from '../../workers/running.ts';
import { buildWorkflowId, deleteWorkflowId } from '../../workflows/instance-states.ts';
import { freshDatabase, type TestDatabase } from '../support/database.ts';
import { tokenFor } from '../support/identity.ts';
import { newInstance } from '../support/instances.ts';
import { connectTestTemporal, testControlQueue, workflowBundle, type TestTemporal } from '../support/temporal.ts';

const log = createLogger('silent');
const run = randomBytes(3).toString('hex');
const HOSTS = ['a', 'b', 'c'].map((x) => `wf-${run}-${x}`);
/** Room for 10 m1.tiny (512 MB each) per host, after the 512 MB host reservation. */
const HOST_RAM = 512 + 10 * 512;

let db: TestDatabase;
let temporal: TestTemporal;
let stateDir: string;
let project: { projectId: string; userId: string };
const workers: RunningWorker[] = [];
const drivers = new Map<string, FakeDriver>();

beforeAll(async () => {
  db = await freshDatabase({ migrated: false });
  await prepareDatabase(db.pool, { secrets: { adminPassword: 'a', demoPassword: 'd' }, dataDir: os.tmpdir() });
  project = await tokenFor(db.pool, { project: 'builds', role: 'member' });
  temporal = await connectTestTemporal();
  stateDir = await fs.mkdtemp(path.join(os.tmpdir(), 'novaflow-fake-'));
  workers.push(
    await startControllerWorker({
      connection: temporal.native, client: temporal.client, namespace: 'default', db: db.pool, dataDir: stateDir, log, serviceDownTimeSeconds: 60,
      reportIntervalSeconds: 5, workflowBundle: await workflowBundle(), hostname: `ctl-${run}`, taskQueue: testControlQueue,
    }),
  );
  for (const host of HOSTS) {
    const driver = new FakeDriver(host, { vcpus: 64, memoryMb: HOST_RAM, localGb: 1000 }, { stateDir, spawnMs: 300 });
    drivers.set(host, driver);
    await upsertComputeHost(db.pool, await driver.hostInfo(), new Date()); // as its monitor would on the first heartbeat
    workers.push(
      await startComputeWorker({
        connection: temporal.native, client: temporal.client, namespace: 'default', host, driver, reportIntervalSeconds: 60, log,
        controlQueue: testControlQueue,
      }),
    );
  }
});

afterAll(async () => {
  for (const w of workers.reverse()) await w.stop();
  await temporal?.close();
  await db?.drop();
  await fs.rm(stateDir, { recursive: true, force: true });
});

async function requestBuild(extraSpecs: Record<string, string> = {}, memoryMb = 512, owner = project) {
  const project = owner;
  const id = await allocateInstanceId(db.pool);
  const instance = newInstance(id, { project_id: project.projectId, user_id: project.userId });
  const requestId = `req-${instance.uuid}`;
  await appendEvents(db.pool, instance.uuid, [
    { type: 'requested', instance },
    { type: 'action_started', action: 'create', request_id: requestId, user_id: project.userId, project_id: project.projectId, workflow_id: buildWorkflowId(instance.uuid) },
  ]);
  const handle = await temporal.client.workflow.start('buildInstance', {
    workflowId: buildWorkflowId(instance.uuid),
    taskQueue: testControlQueue,
    args: [{
      uuid: instance.uuid, requestId, projectId: project.projectId, userId: project.userId, maxAttempts: 3, networks: [],
      spec: {
        instanceUuid: instance.uuid, projectId: project.projectId, resources: { vcpus: 1, memoryMb, diskGb: 1 },
        flavorExtraSpecs: extraSpecs, imageProperties: {}, ignoreHosts: [],
      },
      domain: {
        uuid: instance.uuid, name: `instance-${id.toString(16).padStart(8, '0')}`, vcpus: 1, memoryMb, rootGb: 1,
        image: { id: 'img', properties: {} }, volumes: [], configDrive: false, interfaces: [], userData: null, keyData: null, extraSpecs,
      },
    }],
  });
  return { uuid: instance.uuid, handle };
}

const row = async (uuid: string) => (await db.pool.query('SELECT * FROM instances WHERE uuid = $1', [uuid])).rows[0];
const allocations = async (uuid: string) =>
  (await db.pool.query('SELECT rp.host FROM allocations a JOIN resource_providers rp ON rp.id = a.resource_provider_id WHERE consumer_id = $1', [uuid])).rows.map((r) => r.host);
const guestsOf = async (uuid: string) => {
  const found: string[] = [];
  for (const [host, d] of drivers) if (await d.domainState(uuid)) found.push(host);
  return found;
};
const actionEvents = async (uuid: string) =>
  (await db.pool.query(
    `SELECT e.event, e.result, e.host FROM instance_action_events e JOIN instance_actions a ON a.id = e.action_id
      WHERE a.instance_uuid = $1 ORDER BY e.id`, [uuid])).rows;

async function deleteServer(uuid: string) {
  const requestId = `req-del-${uuid}`;
  await appendEvents(db.pool, uuid, [
    { type: 'state', task_state: 'deleting' },
    { type: 'action_started', action: 'delete', request_id: requestId, user_id: project.userId, project_id: project.projectId, workflow_id: deleteWorkflowId(uuid) },
  ]);
  await temporal.client.workflow.execute('deleteInstance', { workflowId: deleteWorkflowId(uuid), taskQueue: testControlQueue, args: [{ uuid, requestId, userPorts: [] }] });
}

describe('buildInstance', () => {
  it('schedules, claims and spawns: ACTIVE on one host with its allocation and guest', async () => {
    const { uuid, handle } = await requestBuild();
    expect(await handle.result()).toBe('active');
    const r = await row(uuid);
    expect(r).toMatchObject({ vm_state: 'active', task_state: null, power_state: 1 });
    expect(HOSTS).toContain(r.host);
    expect(await allocations(uuid)).toEqual([r.host]);
    expect(await guestsOf(uuid)).toEqual([r.host]);
    expect((await actionEvents(uuid)).map((e) => [e.event, e.result])).toEqual([
      ['conductor_schedule_and_build_instances', 'Success'],
      ['compute__do_build_and_run_instance', 'Success'],
    ]);
  });

  it('reschedules after a spawn failure, undoing the failed host’s work', async () => {
    // The one host that works is the busiest, so the scheduler (which spreads) tries both others first.
    const usage = await db.pool.query(
      `SELECT rp.host, count(a.id)::int AS n FROM resource_providers rp LEFT JOIN allocations a ON a.resource_provider_id = rp.id
        WHERE rp.host = ANY($1) GROUP BY rp.host ORDER BY n DESC, rp.host DESC`, [HOSTS]);
    const survivor = usage.rows[0].host as string;
    const failing = HOSTS.filter((h) => h !== survivor);
    const { uuid, handle } = await requestBuild({ [FAIL_SPAWN_KEY]: failing.join(',') });
    expect(await handle.result()).toBe('active');
    expect((await row(uuid)).host).toBe(survivor);
    expect(await allocations(uuid)).toEqual([survivor]);
    expect(await guestsOf(uuid)).toEqual([survivor]);
    const builds = (await actionEvents(uuid)).filter((e) => e.event === 'compute__do_build_and_run_instance');
    expect(builds.map((e) => e.result)).toEqual(['Error', 'Error', 'Success']);
    expect(builds.slice(0, 2).map((e) => e.host).sort()).toEqual(failing.sort());
  });

  it('ends in ERROR with Nova’s fault when every host fails, leaving no claim or guest', async () => {
    const { uuid, handle } = await requestBuild({ [FAIL_SPAWN_KEY]: '*' });
    expect(await handle.result()).toBe('error');
    const r = await row(uuid);
    expect(r).toMatchObject({ vm_state: 'error', task_state: null, host: null });
    expect(r.fault.message).toBe(`Exceeded maximum number of retries. Exhausted all hosts available for retrying build failures for instance ${uuid}.`);
    expect(await allocations(uuid)).toEqual([]);
    expect(await guestsOf(uuid)).toEqual([]);
  });

  it('ends in ERROR without claiming when the project was disabled after the request', async () => {
    const gone = await tokenFor(db.pool, { project: 'disabled-later', role: 'member' });
    await db.pool.query('UPDATE projects SET enabled = false WHERE id = $1', [gone.projectId]);
    const { uuid, handle } = await requestBuild({}, 512, gone);
    expect(await handle.result()).toBe('error');
    expect((await row(uuid)).fault).toMatchObject({ code: 403, message: 'The project or user of this request is no longer enabled.' });
    expect(await allocations(uuid)).toEqual([]);
  });

  it('ends in ERROR "No valid host was found." when nothing fits', async () => {
    const { uuid, handle } = await requestBuild({}, HOST_RAM * 2);
    expect(await handle.result()).toBe('error');
    expect((await row(uuid)).fault.message).toBe('No valid host was found. ');
  });
});

describe('deleteInstance', () => {
  it('removes an active server: guest destroyed, claim released, row deleted', async () => {
    const { uuid, handle } = await requestBuild();
    await handle.result();
    await deleteServer(uuid);
    expect((await row(uuid))).toMatchObject({ vm_state: 'deleted', task_state: null });
    expect(await allocations(uuid)).toEqual([]);
    expect(await guestsOf(uuid)).toEqual([]);
  });

  it('stops a build in progress and leaves nothing behind', async () => {
    const { uuid, handle } = await requestBuild();
    for (let i = 0; i < 100 && (await row(uuid)).task_state !== 'spawning'; i++) await sleep(20);
    await deleteServer(uuid);
    await expect(handle.result()).rejects.toThrow();
    expect((await row(uuid)).vm_state).toBe('deleted');
    await sleep(500); // a spawn that was already running finishes, and its build undoes it
    expect(await allocations(uuid)).toEqual([]);
    expect(await guestsOf(uuid)).toEqual([]);
  });
});

describe('concurrency', () => {
  it('50 concurrent builds on hosts with room for 30: exactly 30 ACTIVE, 20 ERROR, allocations match', async () => {
    const before = (await db.pool.query('SELECT count(*)::int AS n FROM allocations')).rows[0].n as number;
    // Fill what the earlier tests left, so exactly 30 m1.tiny fit in total.
    const roomLeft = 30 - before;
    const builds = await Promise.all(Array.from({ length: 50 - before }, () => requestBuild()));
    const results = await Promise.all(builds.map((b) => b.handle.result()));
    expect(results.filter((r) => r === 'active')).toHaveLength(roomLeft);
    expect(results.filter((r) => r === 'error')).toHaveLength(50 - before - roomLeft);
    const total = await db.pool.query(
      `SELECT count(*)::int AS allocs, (SELECT count(*)::int FROM instances WHERE vm_state = 'active') AS active FROM allocations`,
    );
    expect(total.rows[0]).toEqual({ allocs: 30, active: 30 });
    for (const host of HOSTS) {
      const used = await db.pool.query('SELECT COALESCE(sum(a.memory_mb), 0)::int AS mb FROM allocations a JOIN resource_providers rp ON rp.id = a.resource_provider_id WHERE rp.host = $1', [host]);
      expect(used.rows[0].mb).toBeLessThanOrEqual(HOST_RAM - 512);
    }
  }, 240_000);
});
