/**
 * A one-host cloud with Nova's allow_resize_to_same_host and a resize_confirm_window: the resize happens in place
 * (both flavors held on the one host while it waits) and is confirmed by itself once the window has passed.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { computeClient } from '../support/compute-client.ts';
import { tokenFor } from '../support/identity.ts';
import { startTestStack, type TestStack } from '../support/stack.ts';
import { until } from '../support/until.ts';

let stack: TestStack;
let member: string;
let admin: string;
const call = computeClient(() => stack.url);

beforeAll(async () => {
  stack = await startTestStack({ hosts: 1, moves: { allowResizeToSameHost: true, resizeConfirmWindowSeconds: 2 } });
  member = (await tokenFor(stack.db.pool, { project: 'window', role: 'member' })).token;
  admin = (await tokenFor(stack.db.pool, { project: 'ops', role: 'admin' })).token;
});
afterAll(() => stack.stop());

const server = async (id: string) => (await call(admin, 'GET', `/servers/${id}`, undefined, '2.47')).body.server;
const allocations = async (id: string) =>
  (await stack.db.pool.query(
    `SELECT CASE WHEN consumer_id = $1 THEN 'instance' ELSE 'migration' END AS who, memory_mb FROM allocations
      WHERE consumer_id = $1 OR consumer_id IN (SELECT uuid FROM migrations WHERE instance_uuid = $1) ORDER BY who`,
    [id],
  )).rows;

it('resizes on its one host and confirms by itself after the window', async () => {
  const image = (await stack.db.pool.query(`SELECT id::text FROM images WHERE name = 'cirros'`)).rows[0].id;
  const id = (await call(member, 'POST', '/servers', { server: { name: 'in-place', imageRef: image, flavorRef: '1', networks: 'none' } }, '2.37')).body.server.id;
  await until('ACTIVE', async () => ((await server(id)).status === 'ACTIVE' ? true : undefined));
  expect((await call(member, 'POST', `/servers/${id}/action`, { resize: { flavorRef: '2' } })).status).toBe(202);

  const waiting = await until('VERIFY_RESIZE', async () => {
    const s = await server(id);
    return s.status === 'VERIFY_RESIZE' ? s : undefined;
  });
  expect(waiting['OS-EXT-SRV-ATTR:host']).toBe(stack.hosts[0]);
  expect(await allocations(id)).toEqual([{ who: 'instance', memory_mb: 2048 }, { who: 'migration', memory_mb: 512 }]);
  expect(await stack.drivers.get(stack.hosts[0]!)!.guestSize(id)).toEqual({ vcpus: 1, memoryMb: 2048 });

  // Nobody confirms: the window passes and the resize is confirmed, as its own action.
  const active = await until('ACTIVE again', async () => {
    const s = await server(id);
    return s.status === 'ACTIVE' && s['OS-EXT-STS:task_state'] === null ? s : undefined;
  });
  expect(active.flavor.original_name).toBe('m1.small');
  await until('the source allocation freed', async () => ((await allocations(id)).length === 1 ? true : undefined));
  expect(await allocations(id)).toEqual([{ who: 'instance', memory_mb: 2048 }]);
  expect((await stack.drivers.get(stack.hosts[0]!)!.domainState(id))?.powerState).toBe(1);
  const actions = (await call(member, 'GET', `/servers/${id}/os-instance-actions`)).body.instanceActions;
  expect(actions.map((a: { action: string }) => a.action)).toEqual(['confirmResize', 'resize', 'create']);
  const migration = (await call(admin, 'GET', `/os-migrations?instance_uuid=${id}`, undefined, '2.23')).body.migrations[0];
  expect(migration).toMatchObject({ status: 'confirmed', source_compute: stack.hosts[0], dest_compute: stack.hosts[0] });
});
