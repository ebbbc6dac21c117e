import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addServerGroupMembers,
  removeServerGroupMembers,
  SERVER_GROUP_MEMBERS_QUOTA,
  SERVER_GROUPS_QUOTA,
  serverGroupOfInstance,
  serverGroupPlacement,
} from '../../activities/control/db/server-groups.ts';
import { startTestApi, type TestApi } from '../support/api.ts';
import { tokenFor, type TestCredentials } from '../support/identity.ts';

let api: TestApi;
let admin: TestCredentials;
let member: TestCredentials;
let reader: TestCredentials;
let outsider: TestCredentials;

beforeAll(async () => {
  api = await startTestApi();
  admin = await tokenFor(api.db.pool, { project: 'ops', role: 'admin' });
  member = await tokenFor(api.db.pool, { project: 'tenant', role: 'member' });
  reader = await tokenFor(api.db.pool, { project: 'tenant', role: 'reader' });
  outsider = await tokenFor(api.db.pool, { project: 'elsewhere', role: 'member' });
});
afterAll(() => api.stop());

async function call(who: TestCredentials, method: string, path: string, body?: unknown, version = '2.1') {
  const res = await fetch(`${api.url}/compute/v2.1${path}`, {
    method,
    headers: { 'X-Auth-Token': who.token, 'OpenStack-API-Version': `compute ${version}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

type Group = { id: string; name: string };
const groupNames = (body: { server_groups: Group[] }) => body.server_groups.map((g) => g.name);
const create = (who: TestCredentials, server_group: unknown, version = '2.1') => call(who, 'POST', '/os-server-groups', { server_group }, version);

describe('os-server-groups', () => {
  let antiId: string;

  it('creates a group with one policy before 2.64 (200), and shows project and user from 2.13', async () => {
    const created = await create(member, { name: 'anti', policies: ['anti-affinity'] });
    expect(created.status).toBe(200);
    antiId = created.body.server_group.id;
    expect(created.body.server_group).toEqual({ id: antiId, name: 'anti', policies: ['anti-affinity'], members: [], metadata: {} });
    const shown = await call(member, 'GET', `/os-server-groups/${antiId}`, undefined, '2.13');
    expect(shown.body.server_group).toEqual({
      id: antiId, name: 'anti', policies: ['anti-affinity'], members: [], metadata: {}, project_id: member.projectId, user_id: member.userId,
    });
  });

  it('offers the soft policies from 2.15 and refuses more than one policy', async () => {
    const early = await create(member, { name: 'soft', policies: ['soft-affinity'] }, '2.14');
    expect(early.status).toBe(400);
    expect(early.body.badRequest.message).toContain('is not one of');
    expect((await create(member, { name: 'soft', policies: ['soft-affinity'] }, '2.15')).status).toBe(200);
    expect((await create(member, { name: 'two', policies: ['affinity', 'anti-affinity'] })).status).toBe(400);
    expect((await create(member, { name: 'none', policies: [] })).status).toBe(400);
    expect((await create(member, { name: 'legacy', policies: ['legacy'] })).status).toBe(400);
  });

  it('takes policy and rules from 2.64, rules only for anti-affinity', async () => {
    const created = await create(member, { name: 'spread', policy: 'anti-affinity', rules: { max_server_per_host: '3' } }, '2.64');
    expect(created.status).toBe(200);
    expect(created.body.server_group).toEqual({
      id: expect.any(String), name: 'spread', policy: 'anti-affinity', rules: { max_server_per_host: 3 }, members: [],
      project_id: member.projectId, user_id: member.userId,
    });
    const plain = await create(member, { name: 'together', policy: 'affinity' }, '2.64');
    expect(plain.body.server_group).toMatchObject({ policy: 'affinity', rules: {} });
    expect(plain.body.server_group).not.toHaveProperty('metadata');
    expect(plain.body.server_group).not.toHaveProperty('policies');
    // The same group seen before 2.64.
    expect((await call(member, 'GET', `/os-server-groups/${plain.body.server_group.id}`)).body.server_group).toMatchObject({ policies: ['affinity'], metadata: {} });

    expect(await create(member, { name: 'bad', policy: 'affinity', rules: { max_server_per_host: 2 } }, '2.64')).toEqual({
      status: 400,
      body: { badRequest: { code: 400, message: 'Only anti-affinity policy supports rules.' } },
    });
    const old = await create(member, { name: 'bad', policies: ['anti-affinity'] }, '2.64');
    expect(old.body.badRequest.message).toContain("Additional properties are not allowed ('policies' was unexpected)");
    expect((await create(member, { name: 'bad', policy: 'anti-affinity' }, '2.63')).status).toBe(400);
    for (const rules of [{ max_server_per_host: 0 }, { max_server_per_host: '0' }, { max_server_per_host: 'many' }, { other: 1 }]) {
      expect((await create(member, { name: 'bad', policy: 'anti-affinity', rules }, '2.64')).status, JSON.stringify(rules)).toBe(400);
    }
    for (const name of ['', ' x', 'x ', 'a\u0000b', 'x'.repeat(256)]) {
      expect((await create(member, { name, policies: ['affinity'] })).status, JSON.stringify(name)).toBe(400);
    }
    expect((await create(member, { name: 'dup ok', policies: ['affinity'], colour: 'red' })).status).toBe(400);
  });

  it('lists the project’s groups; admins see every project with all_projects', async () => {
    await create(outsider, { name: 'theirs', policies: ['affinity'] });
    const mine = await call(member, 'GET', '/os-server-groups');
    expect(groupNames(mine.body)).toEqual(['anti', 'soft', 'spread', 'together']);
    // A non-admin asking for all projects gets their own, without an error.
    expect(groupNames((await call(member, 'GET', '/os-server-groups?all_projects=True')).body)).toEqual(['anti', 'soft', 'spread', 'together']);
    expect(groupNames((await call(admin, 'GET', '/os-server-groups')).body)).toEqual([]);
    expect(groupNames((await call(admin, 'GET', '/os-server-groups?all_projects=1')).body)).toEqual(['anti', 'soft', 'spread', 'together', 'theirs']);
    expect(groupNames((await call(member, 'GET', '/os-server-groups?limit=2&offset=1')).body)).toEqual(['soft', 'spread']);
    expect(groupNames((await call(member, 'GET', '/os-server-groups?limit=0')).body)).toHaveLength(4);
    expect((await call(member, 'GET', '/os-server-groups?limit=-1')).status).toBe(400);
  });

  it('refuses unknown query parameters from 2.75 (list) and 2.102 (show)', async () => {
    expect((await call(member, 'GET', '/os-server-groups?colour=red', undefined, '2.74')).status).toBe(200);
    expect(await call(member, 'GET', '/os-server-groups?colour=red', undefined, '2.75')).toEqual({
      status: 400,
      body: { badRequest: { code: 400, message: "Additional properties are not allowed ('colour' was unexpected)" } },
    });
    expect((await call(member, 'GET', `/os-server-groups/${antiId}?colour=red`, undefined, '2.101')).status).toBe(200);
    expect((await call(member, 'GET', `/os-server-groups/${antiId}?colour=red`, undefined, '2.102')).status).toBe(400);
  });

  it('hides other projects’ groups from non-admins (404) but not from admins', async () => {
    expect(await call(outsider, 'GET', `/os-server-groups/${antiId}`)).toEqual({
      status: 404,
      body: { itemNotFound: { code: 404, message: `Instance group ${antiId} could not be found.` } },
    });
    expect((await call(outsider, 'DELETE', `/os-server-groups/${antiId}`)).status).toBe(404);
    expect((await call(admin, 'GET', `/os-server-groups/${antiId}`)).status).toBe(200);
    expect((await call(member, 'GET', '/os-server-groups/not-a-uuid')).status).toBe(404);
    expect((await call(member, 'GET', `/os-server-groups/${randomUUID()}`)).status).toBe(404);
  });

  it('lets readers look but not create or delete', async () => {
    expect(groupNames((await call(reader, 'GET', '/os-server-groups')).body)).toHaveLength(4);
    expect((await call(reader, 'GET', `/os-server-groups/${antiId}`)).status).toBe(200);
    expect(await create(reader, { name: 'nope', policies: ['affinity'] })).toEqual({
      status: 403,
      body: { forbidden: { code: 403, message: "Policy doesn't allow os_compute_api:os-server-groups:create to be performed." } },
    });
    expect((await call(reader, 'DELETE', `/os-server-groups/${antiId}`)).status).toBe(403);
  });

  it('shows members the scheduler added, without deleted instances, and gives the scheduler policy and hosts', async () => {
    const [a, b, gone] = [randomUUID(), randomUUID(), randomUUID()];
    await api.db.pool.query(
      `INSERT INTO instances (uuid, seq, project_id, user_id, name, flavor, vm_state, reservation_id, request_spec, created_at, host, deleted_at)
       SELECT u, 1, $2, $3, 'vm', '{}', 'active', 'r-1', '{}', now(), 'host-' || n, CASE WHEN u = $4 THEN now() END
         FROM unnest($1::uuid[]) WITH ORDINALITY AS t(u, n)`,
      [[a, gone], member.projectId, member.userId, gone],
    );
    expect(await addServerGroupMembers(api.db.pool, antiId, [a])).toBe('ok');
    expect(await addServerGroupMembers(api.db.pool, antiId, [b, gone])).toBe('ok');
    expect(await addServerGroupMembers(api.db.pool, antiId, [a])).toBe('ok');
    expect(await addServerGroupMembers(api.db.pool, randomUUID(), [a])).toBe('missing');
    expect((await call(member, 'GET', `/os-server-groups/${antiId}`)).body.server_group.members).toEqual([a, b]);
    expect(await serverGroupPlacement(api.db.pool, antiId)).toEqual({ uuid: antiId, policy: 'anti-affinity', members: [a, b], hosts: ['host-1'] });
    expect((await serverGroupOfInstance(api.db.pool, b))?.id).toBe(antiId);

    const many = Array.from({ length: SERVER_GROUP_MEMBERS_QUOTA }, () => randomUUID());
    expect(await addServerGroupMembers(api.db.pool, antiId, many)).toBe('over-quota');
    expect(await removeServerGroupMembers(api.db.pool, [b], antiId)).toBe(1);
    expect((await call(member, 'GET', '/os-server-groups')).body.server_groups[0].members).toEqual([a]);
  });

  it('deletes with 204, members included', async () => {
    expect(await call(member, 'DELETE', `/os-server-groups/${antiId}`)).toEqual({ status: 204, body: undefined });
    expect((await call(member, 'GET', `/os-server-groups/${antiId}`)).status).toBe(404);
    const left = await api.db.pool.query('SELECT count(*)::int AS n FROM server_group_members WHERE group_id = $1', [antiId]);
    expect(left.rows[0].n).toBe(0);
  });

  it('stops at the server group quota with Nova’s 403', async () => {
    const crowded = await tokenFor(api.db.pool, { project: 'crowded', role: 'member' });
    for (let i = 0; i < SERVER_GROUPS_QUOTA; i++) expect((await create(crowded, { name: `g${i}`, policies: ['affinity'] })).status).toBe(200);
    expect(await create(crowded, { name: 'one-more', policies: ['affinity'] })).toEqual({
      status: 403,
      body: { forbidden: { code: 403, message: 'Quota exceeded, too many server groups.' } },
    });
  });
});
