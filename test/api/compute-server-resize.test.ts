/**
 * Resize and cold migration through the API on fake hosts: VERIFY_RESIZE with resources held on both hosts,
 * confirm and revert, Nova's refusals, and every failure path leaving allocations consistent.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeClient } from '../support/compute-client.ts';
import { tokenFor } from '../support/identity.ts';
import { startTestStack, type TestStack } from '../support/stack.ts';

let stack: TestStack;
let member: string;
let admin: string;
let image: string;

const call = computeClient(() => stack.url);

/** Admins see the host fields. */
async function waitFor(id: string, wanted: string, token = admin) {
  for (let i = 0; i < 300; i++) {
    const s = (await call(token, 'GET', `/servers/${id}`, undefined, '2.47')).body.server;
    if (s.status === wanted && s['OS-EXT-STS:task_state'] === null) return s;
    await sleep(50);
  }
  throw new Error(`server ${id} never reached ${wanted}`);
}

async function boot(name: string, flavorRef = '1') {
  const id = (await call(member, 'POST', '/servers', { server: { name, imageRef: image, flavorRef, networks: 'none' } }, '2.37')).body.server.id as string;
  return { id, server: await waitFor(id, 'ACTIVE') };
}

/** Every allocation of the server and its migrations, as [consumer kind, host, vcpus, memory]. */
async function allocations(id: string): Promise<[string, string, number, number][]> {
  const rows = await stack.db.pool.query(
    `SELECT CASE WHEN a.consumer_id = $1 THEN 'instance' ELSE 'migration' END AS who, rp.host, a.vcpus, a.memory_mb
       FROM allocations a JOIN resource_providers rp ON rp.id = a.resource_provider_id
      WHERE a.consumer_id = $1 OR a.consumer_id IN (SELECT uuid FROM migrations WHERE instance_uuid = $1)
      ORDER BY who, rp.host`,
    [id],
  );
  return rows.rows.map((r) => [r.who, r.host, r.vcpus, r.memory_mb]);
}

const migrations = async (id: string) => (await call(admin, 'GET', `/os-migrations?instance_uuid=${id}`, undefined, '2.80')).body.migrations;

async function lastAction(id: string) {
  const actions = (await call(member, 'GET', `/servers/${id}/os-instance-actions`)).body.instanceActions;
  const detail = (await call(admin, 'GET', `/servers/${id}/os-instance-actions/${actions[0].request_id}`, undefined, '2.51')).body.instanceAction;
  return { action: detail.action, message: detail.message, events: detail.events.map((e: { event: string; result: string }) => [e.event, e.result]) };
}

beforeAll(async () => {
  stack = await startTestStack({ hosts: 3 });
  member = (await tokenFor(stack.db.pool, { project: 'moves', role: 'member' })).token;
  admin = (await tokenFor(stack.db.pool, { project: 'ops', role: 'admin' })).token;
  image = (await stack.db.pool.query(`SELECT id::text FROM images WHERE name = 'cirros'`)).rows[0].id;
});
afterAll(() => stack.stop());

describe('resize', () => {
  it('moves the server to a bigger flavor on another host, holding both until confirmed', async () => {
    const { id, server } = await boot('grow');
    const source = server['OS-EXT-SRV-ATTR:host'];
    expect((await call(member, 'POST', `/servers/${id}/action`, { resize: { flavorRef: '2' } })).status).toBe(202);
    const resized = await waitFor(id, 'VERIFY_RESIZE');
    const dest = resized['OS-EXT-SRV-ATTR:host'];
    expect(dest).not.toBe(source);
    expect(resized.flavor.original_name).toBe('m1.small');
    expect(await allocations(id)).toEqual([['instance', dest, 1, 2048], ['migration', source, 1, 512]]);
    expect(await stack.drivers.get(dest)!.guestSize(id)).toEqual({ vcpus: 1, memoryMb: 2048 });
    expect((await stack.drivers.get(source)!.domainState(id))?.powerState).toBe(4);
    const [m] = await migrations(id);
    expect(m).toMatchObject({ migration_type: 'resize', status: 'finished', source_compute: source, dest_compute: dest, old_instance_type_id: 1, new_instance_type_id: 2 });
    const taskStates = (await stack.db.pool.query(
      `SELECT payload->>'task_state' AS t FROM instance_events WHERE instance_uuid = $1 AND type = 'state' AND payload ? 'task_state' ORDER BY seq`, [id],
    )).rows.map((r) => r.t).slice(-5);
    expect(taskStates).toEqual(['resize_prep', 'resize_migrating', 'resize_migrated', 'resize_finish', null]);
    expect(await lastAction(id)).toEqual({
      action: 'resize', message: null,
      events: expect.arrayContaining([['conductor_migrate_server', 'Success'], ['compute_prep_resize', 'Success'], ['compute_resize_instance', 'Success'], ['compute_finish_resize', 'Success']]),
    });

    expect((await call(member, 'POST', `/servers/${id}/action`, { confirmResize: null })).status).toBe(204);
    const confirmed = await waitFor(id, 'ACTIVE');
    expect(confirmed['OS-EXT-SRV-ATTR:host']).toBe(dest);
    expect(await allocations(id)).toEqual([['instance', dest, 1, 2048]]);
    expect(await stack.drivers.get(source)!.domainState(id)).toBeUndefined();
    expect((await migrations(id))[0].status).toBe('confirmed');
  });

  it('reverts to the old flavor and host', async () => {
    const { id, server } = await boot('undo');
    const source = server['OS-EXT-SRV-ATTR:host'];
    await call(member, 'POST', `/servers/${id}/action`, { resize: { flavorRef: '2' } });
    const dest = (await waitFor(id, 'VERIFY_RESIZE'))['OS-EXT-SRV-ATTR:host'];
    expect((await call(member, 'POST', `/servers/${id}/action`, { revertResize: null })).status).toBe(202);
    const reverted = await waitFor(id, 'ACTIVE');
    expect(reverted).toMatchObject({ 'OS-EXT-SRV-ATTR:host': source, 'OS-EXT-STS:power_state': 1, flavor: { original_name: 'm1.tiny' } });
    expect(await allocations(id)).toEqual([['instance', source, 1, 512]]);
    expect(await stack.drivers.get(dest)!.domainState(id)).toBeUndefined();
    expect((await stack.drivers.get(source)!.domainState(id))?.powerState).toBe(1);
    expect((await migrations(id))[0].status).toBe('reverted');
    expect((await lastAction(id)).events).toEqual(expect.arrayContaining([['compute_revert_resize', 'Success'], ['compute_finish_revert_resize', 'Success']]));
  });

  it('a server deleted while waiting in VERIFY_RESIZE leaves no guest and no allocation on either host', async () => {
    const { id, server } = await boot('gone-while-resized');
    const source = server['OS-EXT-SRV-ATTR:host'];
    await call(member, 'POST', `/servers/${id}/action`, { resize: { flavorRef: '2' } });
    const dest = (await waitFor(id, 'VERIFY_RESIZE'))['OS-EXT-SRV-ATTR:host'];
    expect((await call(member, 'DELETE', `/servers/${id}`)).status).toBe(204);
    for (let i = 0; i < 200 && (await call(admin, 'GET', `/servers/${id}`)).status !== 404; i++) await sleep(50);
    expect((await call(admin, 'GET', `/servers/${id}`)).status).toBe(404);
    expect(await allocations(id)).toEqual([]);
    expect(await stack.drivers.get(source)!.domainState(id)).toBeUndefined();
    expect(await stack.drivers.get(dest)!.domainState(id)).toBeUndefined();
  });

  it('answers Nova’s refusals', async () => {
    const { id } = await boot('refusals', '2');
    const resize = (flavorRef: string) => call(member, 'POST', `/servers/${id}/action`, { resize: { flavorRef } });
    expect((await resize('2')).body).toEqual({ badRequest: { code: 400, message: 'When resizing, instances must change flavor!' } });
    expect((await resize('nope')).body).toEqual({ badRequest: { code: 400, message: 'Flavor nope could not be found.' } });
    const diskless = (await call(admin, 'POST', '/flavors', { flavor: { name: 'diskless', ram: 512, vcpus: 1, disk: 0 } })).body.flavor.id;
    expect((await resize(diskless)).body).toEqual({
      badRequest: { code: 400, message: 'Server disk was unable to be resized because: Resize to zero disk flavor is not allowed.' },
    });
    expect((await call(member, 'POST', `/servers/${id}/action`, { confirmResize: null })).body).toEqual({
      conflictingRequest: { code: 409, message: `Cannot 'confirmResize' instance ${id} while it is in vm_state active` },
    });
    expect((await call(member, 'POST', `/servers/${id}/action`, { resize: {} })).status).toBe(400);
    expect((await call(member, 'POST', `/servers/${id}/action`, { migrate: null })).status).toBe(403);
    await call(member, 'POST', `/servers/${id}/action`, { lock: null });
    expect((await resize('3')).body).toEqual({ conflictingRequest: { code: 409, message: `Instance ${id} is locked` } });
    await call(member, 'POST', `/servers/${id}/action`, { unlock: null });
    const project = (await call(member, 'GET', `/servers/${id}`)).body.server.tenant_id;
    await call(admin, 'PUT', `/os-quota-sets/${project}`, { quota_set: { cores: 1 } });
    expect((await resize('3')).body.forbidden.message).toMatch(/^Quota exceeded for cores: Requested 1, but already used \d+ of 1 cores$/);
    await call(admin, 'DELETE', `/os-quota-sets/${project}`);
  });

  it('a smaller disk is refused once the resize has begun, as Nova’s drivers refuse it; nothing moves', async () => {
    const { id, server } = await boot('shrink', '2');
    expect((await call(member, 'POST', `/servers/${id}/action`, { resize: { flavorRef: '1' } })).status).toBe(202);
    const s = await waitFor(id, 'ACTIVE');
    expect(s['OS-EXT-SRV-ATTR:host']).toBe(server['OS-EXT-SRV-ATTR:host']);
    expect((await migrations(id))[0].status).toBe('error');
    expect(await lastAction(id)).toEqual({ action: 'resize', message: 'Error', events: [['compute_resize_instance', 'Error']] });
    expect(await allocations(id)).toEqual([['instance', server['OS-EXT-SRV-ATTR:host'], 1, 2048]]);
  });

  it('with no host that fits, the server stays as it was and the migration records the error', async () => {
    const { id, server } = await boot('too-big');
    const host = server['OS-EXT-SRV-ATTR:host'];
    const huge = await call(admin, 'POST', '/flavors', { flavor: { name: 'huge', ram: 20_000, vcpus: 1, disk: 1 } });
    expect((await call(member, 'POST', `/servers/${id}/action`, { resize: { flavorRef: huge.body.flavor.id } })).status).toBe(202);
    await sleep(200);
    const s = await waitFor(id, 'ACTIVE');
    expect(s['OS-EXT-SRV-ATTR:host']).toBe(host);
    expect((await migrations(id))[0].status).toBe('error');
    expect(await allocations(id)).toEqual([['instance', host, 1, 512]]);
    expect(await lastAction(id)).toMatchObject({ action: 'resize', message: 'Error', events: [['conductor_migrate_server', 'Error']] });
  });

  it('a failure on the destination is undone: the guest runs on the source again with its old flavor', async () => {
    const { id, server } = await boot('fails');
    const source = server['OS-EXT-SRV-ATTR:host'];
    const bad = (await call(admin, 'POST', '/flavors', { flavor: { name: 'fails-on-dest', ram: 1024, vcpus: 2, disk: 1 } })).body.flavor.id;
    await call(admin, 'POST', `/flavors/${bad}/os-extra_specs`, { extra_specs: { 'novaflow:fake_fail_spawn_on': '*' } });
    expect((await call(member, 'POST', `/servers/${id}/action`, { resize: { flavorRef: bad } })).status).toBe(202);
    await sleep(300);
    const s = await waitFor(id, 'ACTIVE');
    expect(s).toMatchObject({ 'OS-EXT-SRV-ATTR:host': source, 'OS-EXT-STS:power_state': 1, flavor: { original_name: 'm1.tiny' } });
    expect(await allocations(id)).toEqual([['instance', source, 1, 512]]);
    expect((await migrations(id))[0].status).toBe('error');
    for (const [host, driver] of stack.drivers) if (host !== source) expect(await driver.domainState(id)).toBeUndefined();
    expect((await lastAction(id)).message).toBe('Error');
  });
});

describe('cold migration', () => {
  it('moves the server to the named host (2.56), and confirm frees the source', async () => {
    const { id, server } = await boot('cold');
    const source = server['OS-EXT-SRV-ATTR:host'];
    const target = stack.hosts.find((h) => h !== source)!;
    expect((await call(admin, 'POST', `/servers/${id}/action`, { migrate: { host: source } }, '2.56')).body.badRequest.message).toBe('Cannot migrate to the host where the server exists.');
    expect((await call(admin, 'POST', `/servers/${id}/action`, { migrate: { host: 'nowhere' } }, '2.56')).body.badRequest.message).toBe('Compute host nowhere could not be found.');
    expect((await call(admin, 'POST', `/servers/${id}/action`, { migrate: { host: target } }, '2.56')).status).toBe(202);
    const moved = await waitFor(id, 'VERIFY_RESIZE');
    expect(moved['OS-EXT-SRV-ATTR:host']).toBe(target);
    expect((await migrations(id))[0]).toMatchObject({ migration_type: 'migration', status: 'finished', dest_compute: target });
    expect(await allocations(id)).toEqual([['instance', target, 1, 512], ['migration', source, 1, 512]]);
    expect((await call(member, 'POST', `/servers/${id}/action`, { confirmResize: null })).status).toBe(204);
    await waitFor(id, 'ACTIVE');
    expect(await allocations(id)).toEqual([['instance', target, 1, 512]]);
  });
});
