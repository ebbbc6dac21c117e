/**
 * Live migration and evacuation through the API on fake hosts: the server keeps running while it moves, progress
 * shows in servers/{id}/migrations, abort and force-complete; evacuation only from a host that is down, and the
 * dead host's guest and claim cleaned once it returns.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeClient } from '../support/compute-client.ts';
import { tokenFor } from '../support/identity.ts';
import { startTestStack, type TestStack } from '../support/stack.ts';
import { until } from '../support/until.ts';

let stack: TestStack;
let member: string;
let admin: string;
let image: string;

const call = computeClient(() => stack.url);

const show = async (id: string) => (await call(admin, 'GET', `/servers/${id}`, undefined, '2.47')).body.server;
const waitFor = (id: string, status: string) =>
  until(`${id} ${status}`, async () => {
    const s = await show(id);
    return s.status === status && s['OS-EXT-STS:task_state'] === null ? s : undefined;
  });

async function boot(name: string) {
  const id = (await call(member, 'POST', '/servers', { server: { name, imageRef: image, flavorRef: '1', networks: 'none' } }, '2.37')).body.server.id as string;
  return { id, host: (await waitFor(id, 'ACTIVE'))['OS-EXT-SRV-ATTR:host'] as string };
}

async function allocations(id: string): Promise<[string, string][]> {
  const rows = await stack.db.pool.query(
    `SELECT CASE WHEN a.consumer_id = $1 THEN 'instance' ELSE 'migration' END AS who, rp.host
       FROM allocations a JOIN resource_providers rp ON rp.id = a.resource_provider_id
      WHERE a.consumer_id = $1 OR a.consumer_id IN (SELECT uuid FROM migrations WHERE instance_uuid = $1) ORDER BY who, rp.host`,
    [id],
  );
  return rows.rows.map((r) => [r.who, r.host]);
}

const lastMigration = async (id: string) => (await call(admin, 'GET', `/os-migrations?instance_uuid=${id}`, undefined, '2.80')).body.migrations[0];
const liveMigrate = (id: string, host: string | null = null) =>
  call(admin, 'POST', `/servers/${id}/action`, { 'os-migrateLive': { host, block_migration: 'auto' } }, '2.30');

beforeAll(async () => {
  stack = await startTestStack({ hosts: 3, liveMigrationMs: 2500 });
  member = (await tokenFor(stack.db.pool, { project: 'live', role: 'member' })).token;
  admin = (await tokenFor(stack.db.pool, { project: 'ops', role: 'admin' })).token;
  image = (await stack.db.pool.query(`SELECT id::text FROM images WHERE name = 'cirros'`)).rows[0].id;
});
afterAll(() => stack.stop());

describe('live migration', () => {
  it('moves a running server, showing progress while it runs', async () => {
    const { id, host: source } = await boot('live');
    expect((await liveMigrate(id)).status).toBe(202);
    expect((await show(id)).status).toBe('MIGRATING');
    const running = await until('a running migration with progress', async () => {
      const list = (await call(admin, 'GET', `/servers/${id}/migrations`, undefined, '2.80')).body.migrations;
      return list[0]?.status === 'running' && list[0].memory_processed_bytes > 0 ? list[0] : undefined;
    });
    expect(running).toMatchObject({ server_uuid: id, source_compute: source, memory_total_bytes: 512 * 1024 * 1024 });
    expect((await call(admin, 'GET', `/servers/${id}/migrations/${running.id}`, undefined, '2.23')).body.migration.id).toBe(running.id);
    expect((await stack.drivers.get(source)!.domainState(id))?.powerState).toBe(1);

    const done = await waitFor(id, 'ACTIVE');
    expect(done['OS-EXT-SRV-ATTR:host']).toBe(running.dest_compute);
    expect(done['OS-EXT-STS:power_state']).toBe(1);
    expect(await lastMigration(id)).toMatchObject({ migration_type: 'live-migration', status: 'completed' });
    expect(await allocations(id)).toEqual([['instance', running.dest_compute]]);
    expect(await stack.drivers.get(source)!.domainState(id)).toBeUndefined();
    expect((await call(admin, 'GET', `/servers/${id}/migrations`, undefined, '2.23')).body.migrations).toEqual([]);
    expect((await call(admin, 'GET', `/servers/${id}/migrations/${running.id}`, undefined, '2.23')).body).toEqual({
      itemNotFound: { code: 404, message: `Live migration ${running.id} for server ${id} is not in progress.` },
    });
  });

  it('abort leaves the server running where it was, with nothing held on the destination', async () => {
    const { id, host: source } = await boot('abort');
    await liveMigrate(id);
    const m = await until('running', async () => {
      const list = (await call(admin, 'GET', `/servers/${id}/migrations`, undefined, '2.24')).body.migrations;
      return list[0]?.status === 'running' ? list[0] : undefined;
    });
    expect((await call(admin, 'DELETE', `/servers/${id}/migrations/${m.id}`, undefined, '2.24')).status).toBe(202);
    const s = await waitFor(id, 'ACTIVE');
    expect(s['OS-EXT-SRV-ATTR:host']).toBe(source);
    expect((await lastMigration(id)).status).toBe('cancelled');
    const actions = (await call(admin, 'GET', `/servers/${id}/os-instance-actions`)).body.instanceActions;
    expect(actions.map((a: { action: string; message: string | null }) => [a.action, a.message])).toEqual([
      ['live_migration_cancel', null], ['os-migrateLive', null], ['create', null],
    ]);
    expect(await allocations(id)).toEqual([['instance', source]]);
    expect(await stack.drivers.get(m.dest_compute)!.domainState(id)).toBeUndefined();
    expect((await call(admin, 'DELETE', `/servers/${id}/migrations/${m.id}`, undefined, '2.24')).body.conflictingRequest.message).toBe(
      `Instance ${id} is in an invalid state for 'abort live migration'`,
    );
  });

  it('force-complete finishes at once', async () => {
    const { id } = await boot('force');
    await liveMigrate(id);
    const m = await until('running', async () => {
      const list = (await call(admin, 'GET', `/servers/${id}/migrations`, undefined, '2.23')).body.migrations;
      return list[0]?.status === 'running' ? list[0] : undefined;
    });
    expect((await call(admin, 'POST', `/servers/${id}/migrations/${m.id}/action`, { force_complete: null }, '2.22')).status).toBe(202);
    const s = await waitFor(id, 'ACTIVE');
    expect(s['OS-EXT-SRV-ATTR:host']).toBe(m.dest_compute);
    expect((await lastMigration(id)).status).toBe('completed');
    const actions = (await call(admin, 'GET', `/servers/${id}/os-instance-actions`, undefined, '2.84')).body.instanceActions;
    const live = actions.find((a: { action: string }) => a.action === 'os-migrateLive');
    const events = (await call(admin, 'GET', `/servers/${id}/os-instance-actions/${live.request_id}`, undefined, '2.84')).body.instanceAction.events;
    expect(events.find((e: { event: string }) => e.event === 'compute_live_migration')).toMatchObject({ result: 'Success', details: 'Forced to complete on request.' });
    expect(actions.map((a: { action: string }) => a.action)).toContain('live_migration_force_complete');
  });

  it('a failure on the destination is rolled back, and so is a failed evacuation: allocations stay consistent', async () => {
    // A flavor that fails on every host but the first: the server boots there, and cannot land anywhere else.
    const [first, ...others] = stack.hosts;
    const picky = (await call(admin, 'POST', '/flavors', { flavor: { name: 'picky', ram: 512, vcpus: 1, disk: 1 } })).body.flavor.id;
    await call(admin, 'POST', `/flavors/${picky}/os-extra_specs`, { extra_specs: { 'novaflow:fake_fail_spawn_on': others.join(',') } });
    const id = (await call(member, 'POST', '/servers', { server: { name: 'picky', imageRef: image, flavorRef: picky, networks: 'none' } }, '2.37')).body.server.id;
    expect((await waitFor(id, 'ACTIVE'))['OS-EXT-SRV-ATTR:host']).toBe(first);

    expect((await liveMigrate(id)).status).toBe(202);
    await until('the live migration failed', async () => ((await lastMigration(id))?.status === 'failed' ? true : undefined));
    const s = await waitFor(id, 'ACTIVE');
    expect(s).toMatchObject({ 'OS-EXT-SRV-ATTR:host': first, 'OS-EXT-STS:power_state': 1 });
    expect(await allocations(id)).toEqual([['instance', first]]);
    for (const h of others) expect(await stack.drivers.get(h)!.domainState(id)).toBeUndefined();

    const serviceId = (await call(admin, 'GET', `/os-services?host=${first}&binary=nova-compute`, undefined, '2.53')).body.services[0].id;
    await call(admin, 'PUT', `/os-services/${serviceId}`, { forced_down: true }, '2.53');
    expect((await call(admin, 'POST', `/servers/${id}/action`, { evacuate: {} }, '2.94')).status).toBe(200);
    await until('the evacuation failed', async () => ((await lastMigration(id))?.status === 'failed' ? true : undefined));
    expect(await waitFor(id, 'ERROR')).toMatchObject({ 'OS-EXT-SRV-ATTR:host': first });
    expect(await allocations(id)).toEqual([['instance', first]]);
    for (const h of others) expect(await stack.drivers.get(h)!.domainState(id)).toBeUndefined();
    await call(admin, 'PUT', `/os-services/${serviceId}`, { forced_down: false }, '2.53');
  });

  it('refuses what Nova refuses', async () => {
    const { id, host } = await boot('live-refusals');
    // Its own host is no destination: accepted, then no valid host (Nova checks it after answering, from 2.34 on).
    expect((await liveMigrate(id, host)).status).toBe(202);
    await until('the migration in error', async () => ((await lastMigration(id))?.status === 'error' ? true : undefined));
    expect((await waitFor(id, 'ACTIVE'))['OS-EXT-SRV-ATTR:host']).toBe(host);
    expect((await call(admin, 'POST', `/servers/${id}/action`, { 'os-migrateLive': { host: 'x', block_migration: 'auto', force: true } }, '2.68')).status).toBe(400);
    expect((await call(admin, 'POST', `/servers/${id}/action`, { 'os-migrateLive': { host: null, block_migration: true, force: true } }, '2.30')).body.badRequest.message).toBe(
      "Can't force to a non-provided destination",
    );
    expect((await liveMigrate(id, 'nowhere')).body.badRequest.message).toBe('Compute host nowhere could not be found.');
    expect((await call(member, 'POST', `/servers/${id}/action`, { 'os-migrateLive': { host: null, block_migration: 'auto' } }, '2.30')).status).toBe(403);
    const evacuate = (body: unknown, v: string) => call(admin, 'POST', `/servers/${id}/action`, { evacuate: body }, v);
    expect((await evacuate({ onSharedStorage: true, adminPass: 'x' }, '2.13')).body.badRequest.message).toBe("admin password can't be changed on existing disk");
    expect((await evacuate({}, '2.13')).status).toBe(400);
    expect((await evacuate({ onSharedStorage: false }, '2.14')).status).toBe(400);
    expect((await evacuate({ host: 'nowhere' }, '2.29')).body).toEqual({ itemNotFound: { code: 404, message: 'Compute host nowhere not found.' } });
    await call(admin, 'POST', `/servers/${id}/action`, { 'os-stop': null });
    await waitFor(id, 'SHUTOFF');
    expect((await liveMigrate(id)).body.conflictingRequest.message).toBe(`Cannot 'os-migrateLive' instance ${id} while it is in vm_state stopped`);
  });
});

describe('evacuation', () => {
  it('only from a host that is down; rebuilt elsewhere; the dead host cleaned when it returns', async () => {
    const { id, host: source } = await boot('evacuee');
    const evacuate = () => call(admin, 'POST', `/servers/${id}/action`, { evacuate: {} }, '2.94');
    expect((await evacuate()).body).toEqual({ badRequest: { code: 400, message: `Compute service of ${source} is still in use.` } });

    const services = (await call(admin, 'GET', `/os-services?host=${source}&binary=nova-compute`, undefined, '2.53')).body.services;
    const serviceId = services[0].id;
    expect((await call(admin, 'PUT', `/os-services/${serviceId}`, { forced_down: true }, '2.53')).status).toBe(200);
    const answer = await evacuate();
    expect(answer.status).toBe(200);
    expect(answer.body).toBeUndefined();
    const s = await waitFor(id, 'ACTIVE');
    const dest = s['OS-EXT-SRV-ATTR:host'];
    expect(dest).not.toBe(source);
    expect(await lastMigration(id)).toMatchObject({ migration_type: 'evacuation', status: 'done', source_compute: source, dest_compute: dest });
    expect(await allocations(id)).toEqual([['instance', dest], ['instance', source]].sort((a, b) => a[1]!.localeCompare(b[1]!)) as [string, string][]);
    expect((await stack.drivers.get(dest)!.domainState(id))?.powerState).toBe(1);

    // The operator brings the host back: its stale guest and claim go, the migration completes.
    expect((await call(admin, 'PUT', `/os-services/${serviceId}`, { forced_down: false }, '2.53')).status).toBe(200);
    await until('evacuation completed', async () => ((await lastMigration(id)).status === 'completed' ? true : undefined));
    expect(await allocations(id)).toEqual([['instance', dest]]);
    expect(await stack.drivers.get(source)!.domainState(id)).toBeUndefined();
  });

  it('a second evacuation goes to a live host, not back to the first dead one; both are cleaned when they return', async () => {
    const { id, host: first } = await boot('evacuated-twice');
    const serviceOf = async (host: string) => (await call(admin, 'GET', `/os-services?host=${host}&binary=nova-compute`, undefined, '2.53')).body.services[0].id;
    const down = async (host: string, forced: boolean) => call(admin, 'PUT', `/os-services/${await serviceOf(host)}`, { forced_down: forced }, '2.53');
    await down(first, true);
    await call(admin, 'POST', `/servers/${id}/action`, { evacuate: {} }, '2.94');
    const second = (await waitFor(id, 'ACTIVE'))['OS-EXT-SRV-ATTR:host'];
    await down(second, true);
    expect((await call(admin, 'POST', `/servers/${id}/action`, { evacuate: {} }, '2.94')).status).toBe(200);
    const third = (await waitFor(id, 'ACTIVE'))['OS-EXT-SRV-ATTR:host'];
    expect([first, second]).not.toContain(third);
    expect(await allocations(id)).toEqual([first, second, third].sort().map((h) => ['instance', h]));
    await down(first, false);
    await down(second, false);
    await until('both evacuations completed', async () => {
      const list = (await call(admin, 'GET', `/os-migrations?instance_uuid=${id}`, undefined, '2.23')).body.migrations;
      return list.every((m: { status: string }) => m.status === 'completed') ? true : undefined;
    });
    expect(await allocations(id)).toEqual([['instance', third]]);
    expect(await stack.drivers.get(first)!.domainState(id)).toBeUndefined();
    expect(await stack.drivers.get(second)!.domainState(id)).toBeUndefined();
  });

  it('with no host to take it (the named one is down too), the server is left in ERROR on its dead host', async () => {
    const { id, host: source } = await boot('nowhere-to-go');
    const target = stack.hosts.find((h) => h !== source)!;
    const serviceOf = async (host: string) => (await call(admin, 'GET', `/os-services?host=${host}&binary=nova-compute`, undefined, '2.53')).body.services[0].id;
    for (const h of [source, target]) await call(admin, 'PUT', `/os-services/${await serviceOf(h)}`, { forced_down: true }, '2.53');
    expect((await call(admin, 'POST', `/servers/${id}/action`, { evacuate: { host: target } }, '2.29')).status).toBe(200);
    const s = await waitFor(id, 'ERROR');
    expect(s).toMatchObject({ 'OS-EXT-SRV-ATTR:host': source, fault: { message: 'No valid host was found. ' } });
    expect((await lastMigration(id)).status).toBe('error');
    expect(await allocations(id)).toEqual([['instance', source]]);
    for (const h of [source, target]) await call(admin, 'PUT', `/os-services/${await serviceOf(h)}`, { forced_down: false }, '2.53');
  });

  it('from 2.95 the evacuated server is kept stopped', async () => {
    const { id, host: source } = await boot('evacuee-stopped');
    const serviceId = (await call(admin, 'GET', `/os-services?host=${source}&binary=nova-compute`, undefined, '2.53')).body.services[0].id;
    await call(admin, 'PUT', `/os-services/${serviceId}`, { forced_down: true }, '2.53');
    const target = stack.hosts.find((h) => h !== source)!;
    expect((await call(admin, 'POST', `/servers/${id}/action`, { evacuate: { host: target } }, '2.95')).status).toBe(200);
    const s = await waitFor(id, 'SHUTOFF');
    expect(s['OS-EXT-SRV-ATTR:host']).toBe(target);
    await call(admin, 'PUT', `/os-services/${serviceId}`, { forced_down: false }, '2.53');
    await until('evacuation completed', async () => ((await lastMigration(id)).status === 'completed' ? true : undefined));
  });
});
