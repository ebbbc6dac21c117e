/** Quotas: limits and os-quota-sets, and creates that a quota stops, alone and in a race. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tokenFor } from '../support/identity.ts';
import { startTestStack, type TestStack } from '../support/stack.ts';
import { computeClient } from '../support/compute-client.ts';

let stack: TestStack;
let admin: string;
let member: { token: string; projectId: string };
let image: string;

beforeAll(async () => {
  stack = await startTestStack({ hosts: 2 });
  admin = (await tokenFor(stack.db.pool, { project: 'ops', role: 'admin' })).token;
  member = await tokenFor(stack.db.pool, { project: 'quota-test', role: 'member' });
  image = (await stack.db.pool.query(`SELECT id::text FROM images WHERE name = 'cirros'`)).rows[0].id;
});
afterAll(() => stack.stop());

const call = computeClient(() => stack.url);

describe('quotas', () => {
  it('shows Nova’s default limits and the project’s usage', async () => {
    const { body } = await call(member.token, 'GET', '/limits', undefined, '2.57');
    expect(body.limits.absolute).toMatchObject({ maxTotalInstances: 10, maxTotalCores: 20, maxTotalRAMSize: 51200, maxServerMeta: 128, maxTotalKeypairs: 100, maxServerGroups: 10, maxServerGroupMembers: 10, totalInstancesUsed: 0 });
    expect(body.limits.absolute).not.toHaveProperty('maxPersonality');
    const defaults = (await call(member.token, 'GET', `/os-quota-sets/${member.projectId}/defaults`)).body.quota_set;
    expect(defaults).toMatchObject({ id: member.projectId, instances: 10, cores: 20, ram: 51200, injected_files: 5, floating_ips: 10 });
  });

  it('lets an admin change a project’s quota, and refuses a member', async () => {
    const updated = await call(admin, 'PUT', `/os-quota-sets/${member.projectId}`, { quota_set: { instances: 3, cores: 50 } }, '2.57');
    expect(updated.body.quota_set).toMatchObject({ instances: 3, cores: 50, ram: 51200 });
    expect((await call(member.token, 'GET', `/os-quota-sets/${member.projectId}`, undefined, '2.57')).body.quota_set.instances).toBe(3);
    expect((await call(member.token, 'PUT', `/os-quota-sets/${member.projectId}`, { quota_set: { instances: 99 } })).status).toBe(403);
    expect((await call(admin, 'PUT', `/os-quota-sets/${member.projectId}`, { quota_set: { instances: 'lots' } })).status).toBe(400);
  });

  it('never lets concurrent creates exceed the quota, and says so as Nova does', async () => {
    const boots = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        call(member.token, 'POST', '/servers', { server: { name: `q-${i}`, imageRef: image, flavorRef: '1', networks: 'none' } }, '2.37'),
      ),
    );
    expect(boots.filter((b) => b.status === 202)).toHaveLength(3);
    const refused = boots.filter((b) => b.status === 403);
    expect(refused).toHaveLength(3);
    expect(refused[0]!.body.forbidden.message).toBe('Quota exceeded for instances: Requested 1, but already used 3 of 3 instances');
    const detail = (await call(member.token, 'GET', `/os-quota-sets/${member.projectId}/detail`, undefined, '2.57')).body.quota_set;
    expect(detail.instances).toEqual({ in_use: 3, limit: 3, reserved: 0 });
    expect(detail.cores.in_use).toBe(3);
  });

  it('returns to the defaults when an admin deletes the quota set', async () => {
    expect((await call(admin, 'DELETE', `/os-quota-sets/${member.projectId}`)).status).toBe(202);
    expect((await call(member.token, 'GET', `/os-quota-sets/${member.projectId}`)).body.quota_set.instances).toBe(10);
  });
});
