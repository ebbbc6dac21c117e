/** Servers through the API, built and deleted by the real workflows on fake hosts. */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tokenFor } from '../support/identity.ts';
import { startTestStack, type TestStack } from '../support/stack.ts';
import { computeClient } from '../support/compute-client.ts';

let stack: TestStack;
let member: string;
let other: string;
let admin: string;
let image: string;

beforeAll(async () => {
  stack = await startTestStack();
  member = (await tokenFor(stack.db.pool, { project: 'alpha', role: 'member' })).token;
  other = (await tokenFor(stack.db.pool, { project: 'beta', role: 'member' })).token;
  admin = (await tokenFor(stack.db.pool, { project: 'ops', role: 'admin' })).token;
  image = (await stack.db.pool.query(`SELECT id::text FROM images WHERE name = 'cirros'`)).rows[0].id;
});
afterAll(() => stack.stop());

const call = computeClient(() => stack.url);

async function waitForStatus(token: string, id: string, wanted: string, version = '2.1') {
  for (let i = 0; i < 200; i++) {
    const res = await call(token, 'GET', `/servers/${id}`, undefined, version);
    if (res.status === 404 && wanted === 'gone') return res;
    if (res.body?.server?.status === wanted) return res;
    await sleep(100);
  }
  throw new Error(`server ${id} never reached ${wanted}`);
}

const boot = (token: string, server: Record<string, unknown>, version = '2.1', hints?: unknown) =>
  call(token, 'POST', '/servers', { server: { imageRef: image, flavorRef: '1', ...server }, ...(hints ? { 'os:scheduler_hints': hints } : {}) }, version);

describe('servers', () => {
  it('boots to ACTIVE with an address on the shared network, and shows Nova’s fields', async () => {
    const created = await boot(member, { name: 'web-1', networks: 'auto' }, '2.37');
    expect(created.status).toBe(202);
    const id = created.body.server.id;
    expect(created.headers.get('location')).toBe(`http://nova.test:8774/compute/v2.1/servers/${id}`);
    expect(created.body.server).toMatchObject({ 'OS-DCF:diskConfig': 'MANUAL', security_groups: [{ name: 'default' }] });
    const shown = (await waitForStatus(member, id, 'ACTIVE', '2.47')).body.server;
    expect(shown).toMatchObject({
      name: 'web-1', status: 'ACTIVE', 'OS-EXT-STS:vm_state': 'active', 'OS-EXT-STS:task_state': null, 'OS-EXT-STS:power_state': 1,
      flavor: { vcpus: 1, ram: 512, disk: 1, original_name: 'm1.tiny' }, image: { id: image },
    });
    expect(shown.addresses.private[0]).toMatchObject({ version: 4, 'OS-EXT-IPS:type': 'fixed' });
    expect(shown.addresses.private[0].addr).toMatch(/^10\.0\.0\.\d+$/);
    expect(shown.hostId).toMatch(/^[0-9a-f]{56}$/);
    expect(shown).not.toHaveProperty('OS-EXT-SRV-ATTR:host');
    const asAdmin = (await call(admin, 'GET', `/servers/${id}`)).body.server;
    expect(stack.hosts).toContain(asAdmin['OS-EXT-SRV-ATTR:host']);
    expect(asAdmin['OS-EXT-SRV-ATTR:instance_name']).toMatch(/^instance-[0-9a-f]{8}$/);
  });

  it('lists and filters servers, hiding other projects’ servers', async () => {
    const names = (await call(member, 'GET', '/servers')).body.servers.map((s: { name: string }) => s.name);
    expect(names).toContain('web-1');
    expect((await call(member, 'GET', '/servers/detail?status=ACTIVE')).body.servers.every((s: { status: string }) => s.status === 'ACTIVE')).toBe(true);
    expect((await call(other, 'GET', '/servers')).body.servers).toEqual([]);
    const id = (await call(member, 'GET', '/servers?name=web-1')).body.servers[0].id;
    expect(await call(other, 'GET', `/servers/${id}`)).toMatchObject({ status: 404, body: { itemNotFound: { code: 404, message: `Instance ${id} could not be found.` } } });
    expect((await call(admin, 'GET', '/servers?all_tenants=1')).body.servers.map((s: { id: string }) => s.id)).toContain(id);
  });

  it('records the create action with its events, and shows addresses', async () => {
    const id = (await call(member, 'GET', '/servers?name=web-1')).body.servers[0].id;
    const actions = (await call(member, 'GET', `/servers/${id}/os-instance-actions`)).body.instanceActions;
    expect(actions).toEqual([expect.objectContaining({ action: 'create', instance_uuid: id, message: null })]);
    const action = (await call(member, 'GET', `/servers/${id}/os-instance-actions/${actions[0].request_id}`, undefined, '2.62')).body.instanceAction;
    expect(action.events.map((e: { event: string; result: string }) => [e.event, e.result])).toEqual([
      ['conductor_schedule_and_build_instances', 'Success'],
      ['compute__do_build_and_run_instance', 'Success'],
    ]);
    expect(Object.keys((await call(member, 'GET', `/servers/${id}/ips`)).body.addresses)).toEqual(['private']);
  });

  it('renames and describes a server', async () => {
    const id = (await call(member, 'GET', '/servers?name=web-1')).body.servers[0].id;
    const updated = await call(member, 'PUT', `/servers/${id}`, { server: { name: 'web-one', description: 'front' } }, '2.19');
    expect(updated.body.server).toMatchObject({ name: 'web-one', description: 'front' });
  });

  it('deletes a server: 204, then gone, its port and claim released', async () => {
    const id = (await call(member, 'GET', '/servers?name=web-one')).body.servers[0].id;
    expect((await call(member, 'DELETE', `/servers/${id}`)).status).toBe(204);
    await waitForStatus(member, id, 'gone');
    const left = await stack.db.pool.query(`SELECT (SELECT count(*) FROM ports WHERE device_id = $1)::int AS ports, (SELECT count(*) FROM allocations WHERE consumer_id = $2)::int AS allocs`, [id, id]);
    expect(left.rows[0]).toEqual({ ports: 0, allocs: 0 });
  });

  it('places min_count servers of an anti-affinity group on different hosts, and fails the one too many', async () => {
    const group = (await call(member, 'POST', '/os-server-groups', { server_group: { name: 'spread', policies: ['anti-affinity'] } })).body.server_group.id;
    const created = await boot(member, { name: 'spread', networks: 'none', min_count: 3, max_count: 3, return_reservation_id: true }, '2.37', { group });
    expect(created.status).toBe(202);
    const rid = created.body.reservation_id;
    const servers = async () => (await call(admin, 'GET', `/servers/detail?reservation_id=${rid}&all_tenants=1`)).body.servers;
    for (let i = 0; i < 100 && (await servers()).some((s: { status: string }) => s.status === 'BUILD'); i++) await sleep(100);
    const hosts = (await servers()).map((s: Record<string, string>) => s['OS-EXT-SRV-ATTR:host']);
    expect(new Set(hosts).size).toBe(3);
    const fourth = await boot(member, { name: 'spread-4', networks: 'none' }, '2.37', { group });
    const failed = (await waitForStatus(member, fourth.body.server.id, 'ERROR')).body.server;
    expect(failed.fault).toMatchObject({ code: 500, message: 'No valid host was found. ' });
  });

  it('answers bad requests with Nova’s 400s and 404s', async () => {
    expect((await boot(member, { name: 'x', flavorRef: '999', networks: 'none' }, '2.37')).body).toEqual({ badRequest: { code: 400, message: 'Flavor 999 could not be found.' } });
    expect((await boot(member, { name: 'x', imageRef: '00000000-0000-0000-0000-000000000000', networks: 'none' }, '2.37')).body.badRequest.message).toBe(
      'Image 00000000-0000-0000-0000-000000000000 could not be found.',
    );
    expect((await boot(member, { name: 'x' }, '2.37')).status).toBe(400);
    expect((await boot(member, { name: 'x', networks: 'none', key_name: 'nope' }, '2.37')).body.badRequest.message).toBe('Invalid key_name provided.');
    expect((await boot(member, { name: 'x', networks: 'none', min_count: 3, max_count: 2 }, '2.37')).body.badRequest.message).toBe('min_count must be <= max_count');
    expect((await call(member, 'GET', '/servers/not-a-uuid')).status).toBe(404);
  });
});
