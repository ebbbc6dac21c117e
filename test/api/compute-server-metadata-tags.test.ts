/** Server metadata and tags through the API, on servers built by the workflows on fake hosts. */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tokenFor } from '../support/identity.ts';
import { startTestStack, type TestStack } from '../support/stack.ts';
import { computeClient } from '../support/compute-client.ts';

let stack: TestStack;
let member: string;
let other: string;
let image: string;
let id: string;

const call = computeClient(() => stack.url);

async function boot(name: string, extra: Record<string, unknown> = {}): Promise<string> {
  const created = await call(member, 'POST', '/servers', { server: { name, imageRef: image, flavorRef: '1', networks: 'none', ...extra } }, '2.52');
  for (let i = 0; i < 200; i++) {
    if ((await call(member, 'GET', `/servers/${created.body.server.id}`)).body.server.status === 'ACTIVE') return created.body.server.id;
    await sleep(50);
  }
  throw new Error('server never became ACTIVE');
}

beforeAll(async () => {
  stack = await startTestStack({ hosts: 1 });
  member = (await tokenFor(stack.db.pool, { project: 'meta', role: 'member' })).token;
  other = (await tokenFor(stack.db.pool, { project: 'meta-other', role: 'member' })).token;
  image = (await stack.db.pool.query(`SELECT id::text FROM images WHERE name = 'cirros'`)).rows[0].id;
  id = await boot('meta-1', { metadata: { role: 'web' } });
});
afterAll(() => stack.stop());

describe('server metadata', () => {
  it('merges, replaces, sets and deletes items', async () => {
    expect((await call(member, 'GET', `/servers/${id}/metadata`)).body).toEqual({ metadata: { role: 'web' } });
    expect((await call(member, 'POST', `/servers/${id}/metadata`, { metadata: { tier: 'front' } })).body).toEqual({ metadata: { role: 'web', tier: 'front' } });
    expect(await call(member, 'PUT', `/servers/${id}/metadata/tier`, { meta: { tier: 'back' } })).toMatchObject({ status: 200, body: { meta: { tier: 'back' } } });
    expect((await call(member, 'GET', `/servers/${id}/metadata/tier`)).body).toEqual({ meta: { tier: 'back' } });
    expect((await call(member, 'DELETE', `/servers/${id}/metadata/tier`)).status).toBe(204);
    expect(await call(member, 'GET', `/servers/${id}/metadata/tier`)).toMatchObject({ status: 404, body: { itemNotFound: { message: 'Metadata item was not found' } } });
    expect((await call(member, 'PUT', `/servers/${id}/metadata`, { metadata: { only: 'this' } })).body).toEqual({ metadata: { only: 'this' } });
    expect((await call(member, 'GET', `/servers/${id}`)).body.server.metadata).toEqual({ only: 'this' });
  });

  it('keeps every key of concurrent merges', async () => {
    await Promise.all(Array.from({ length: 10 }, (_, i) => call(member, 'POST', `/servers/${id}/metadata`, { metadata: { [`k${i}`]: String(i) } })));
    expect(Object.keys((await call(member, 'GET', `/servers/${id}/metadata`)).body.metadata).sort()).toEqual(['k0', 'k1', 'k2', 'k3', 'k4', 'k5', 'k6', 'k7', 'k8', 'k9', 'only']);
  });

  it('answers Nova’s errors', async () => {
    expect(await call(member, 'PUT', `/servers/${id}/metadata/a`, { meta: { b: '1' } })).toMatchObject({ status: 400, body: { badRequest: { message: 'Request body and URI mismatch' } } });
    expect(await call(member, 'PUT', `/servers/${id}/metadata/a`, { meta: { a: '1', b: '2' } })).toMatchObject({ status: 400, body: { badRequest: { message: 'Request body contains too many items' } } });
    expect((await call(member, 'POST', `/servers/${id}/metadata`, { metadata: { k: 'x'.repeat(256) } })).status).toBe(400);
    const many = Object.fromEntries(Array.from({ length: 129 }, (_, i) => [`m${i}`, 'v']));
    expect(await call(member, 'PUT', `/servers/${id}/metadata`, { metadata: many })).toMatchObject({ status: 403, body: { forbidden: { message: 'Maximum number of metadata items exceeds 128' } } });
    expect((await call(other, 'GET', `/servers/${id}/metadata`)).status).toBe(404);
  });

  it('refuses changes to a locked server, or one in a state Nova does not allow', async () => {
    await call(member, 'POST', `/servers/${id}/action`, { lock: null });
    expect((await call(member, 'POST', `/servers/${id}/metadata`, { metadata: { a: 'b' } })).body).toEqual({ conflictingRequest: { code: 409, message: `Instance ${id} is locked` } });
    await call(member, 'POST', `/servers/${id}/action`, { unlock: null });
    await stack.db.pool.query(`UPDATE instances SET task_state = 'powering-off' WHERE uuid = $1`, [id]); // an action in flight
    expect((await call(member, 'POST', `/servers/${id}/metadata`, { metadata: { a: 'b' } })).body.conflictingRequest.message).toBe(
      `Cannot 'update_metadata' instance ${id} while it is in task_state powering-off`,
    );
    await stack.db.pool.query(`UPDATE instances SET task_state = NULL WHERE uuid = $1`, [id]);
  });
});

describe('server tags (2.26+)', () => {
  const v = '2.26';
  it('adds, checks, replaces and removes tags, and shows them on the server', async () => {
    const added = await call(member, 'PUT', `/servers/${id}/tags/blue`, undefined, v);
    expect(added.status).toBe(201);
    expect(added.headers.get('location')).toBe(`http://nova.test:8774/compute/v2.1/servers/${id}/tags/blue`);
    expect((await call(member, 'PUT', `/servers/${id}/tags/blue`, undefined, v)).status).toBe(204);
    expect((await call(member, 'GET', `/servers/${id}/tags/blue`, undefined, v)).status).toBe(204);
    expect(await call(member, 'GET', `/servers/${id}/tags/red`, undefined, v)).toMatchObject({ status: 404, body: { itemNotFound: { message: `Instance ${id} has no tag 'red'` } } });
    expect((await call(member, 'PUT', `/servers/${id}/tags`, { tags: ['a', 'b', 'b'] }, v)).body).toEqual({ tags: ['a', 'b'] });
    expect((await call(member, 'GET', `/servers/${id}`, undefined, v)).body.server.tags).toEqual(['a', 'b']);
    expect((await call(member, 'DELETE', `/servers/${id}/tags/a`, undefined, v)).status).toBe(204);
    expect((await call(member, 'GET', `/servers/${id}/tags`, undefined, v)).body).toEqual({ tags: ['b'] });
    expect((await call(member, 'DELETE', `/servers/${id}/tags`, undefined, v)).status).toBe(204);
    expect((await call(member, 'GET', `/servers/${id}/tags`, undefined, v)).body).toEqual({ tags: [] });
  });

  it('refuses bad tags, too many tags, and older microversions', async () => {
    expect((await call(member, 'PUT', `/servers/${id}/tags`, { tags: ['a/b'] }, v)).status).toBe(400);
    expect((await call(member, 'PUT', `/servers/${id}/tags/${'x'.repeat(61)}`, undefined, v)).status).toBe(400);
    const tooMany = Array.from({ length: 51 }, (_, i) => `t${i}`);
    expect(await call(member, 'PUT', `/servers/${id}/tags`, { tags: tooMany }, v)).toMatchObject({ status: 400, body: { badRequest: { message: 'The number of tags exceeded the per-server limit 50' } } });
    expect((await call(member, 'GET', `/servers/${id}/tags`, undefined, '2.25')).status).toBe(404);
  });

  it('filters the server list by tags', async () => {
    const second = await boot('meta-2', { tags: ['db', 'prod'] });
    await call(member, 'PUT', `/servers/${id}/tags`, { tags: ['web', 'prod'] }, v);
    const names = async (q: string) => (await call(member, 'GET', `/servers?${q}`, undefined, v)).body.servers.map((s: { name: string }) => s.name).sort();
    expect(await names('tags=prod')).toEqual(['meta-1', 'meta-2']);
    expect(await names('tags=prod,db')).toEqual(['meta-2']);
    expect(await names('tags-any=db,web')).toEqual(['meta-1', 'meta-2']);
    expect(await names('not-tags=prod,db')).toEqual(['meta-1']);
    expect(await names('not-tags-any=web')).toEqual(['meta-2']);
    expect(second).toBeTruthy();
  });
});
