/** Listing images: filters, sorting, paging with `next`, and who sees what across projects (visibility, members). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../support/api.ts';
import { tokenFor, type TestCredentials } from '../support/identity.ts';

let api: TestApi;
let alice: TestCredentials; // member of project "alpha"
let bob: TestCredentials; // member of project "beta"
let admin: TestCredentials;
type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

async function call(method: string, p: string, token: string, body?: unknown) {
  const headers: Record<string, string> = { 'X-Auth-Token': token };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(`${api.url}/image${p}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : {}) as Json };
}
async function create(token: string, body: Json): Promise<Json> {
  const res = await call('POST', '/v2/images', token, body);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
}
const names = (res: { body: Json }) => (res.body.images as Json[]).map((i) => i.name);

const images: Record<string, Json> = {};
beforeAll(async () => {
  api = await startTestApi();
  alice = await tokenFor(api.db.pool, { project: 'alpha', role: 'member' });
  bob = await tokenFor(api.db.pool, { project: 'beta', role: 'member' });
  admin = await tokenFor(api.db.pool, { project: 'admin', role: 'admin', user: 'admin' });
  // Created one after another: created_at order is the creation order.
  images.p1 = await create(alice.token, { name: 'p1', visibility: 'private', disk_format: 'raw', container_format: 'bare', tags: ['red'], os_distro: 'ubuntu' });
  images.p2 = await create(alice.token, { name: 'p2', visibility: 'private', disk_format: 'qcow2', container_format: 'bare', tags: ['red', 'big'] });
  images.p3 = await create(alice.token, { name: 'p3', visibility: 'private', disk_format: 'qcow2', container_format: 'ovf', os_distro: 'debian' });
  images.shared = await create(alice.token, { name: 'shared-one', visibility: 'shared' });
  images.community = await create(alice.token, { name: 'community-one', visibility: 'community' });
  images.pub = await create(admin.token, { name: 'public-one', visibility: 'public', owner: alice.projectId });
  images.hidden = await create(alice.token, { name: 'hidden-one', visibility: 'private', os_hidden: true });
  images.bobs = await create(bob.token, { name: 'bobs', visibility: 'private' });
});
afterAll(() => api.stop());

describe('filters and sorting', () => {
  it('lists newest first by default, with Glance’s collection fields', async () => {
    const res = await call('GET', '/v2/images', alice.token);
    expect(res.status).toBe(200);
    expect(names(res)).toEqual(['public-one', 'community-one', 'shared-one', 'p3', 'p2', 'p1', 'cirros']);
    expect(res.body.first).toBe('/v2/images');
    expect(res.body.schema).toBe('/v2/schemas/images');
    expect(res.body.next).toBeUndefined();
  });

  it('filters by name, id list, status, disk format, owner, tag and custom property', async () => {
    expect(names(await call('GET', '/v2/images?name=p2', alice.token))).toEqual(['p2']);
    expect(names(await call('GET', `/v2/images?id=in:${images.p1!.id},${images.p3!.id},not-a-uuid`, alice.token))).toEqual(['p3', 'p1']);
    expect(names(await call('GET', '/v2/images?name=in:p1,"p2"', alice.token))).toEqual(['p2', 'p1']);
    expect(names(await call('GET', '/v2/images?status=active', alice.token))).toEqual(['cirros']);
    expect(names(await call('GET', '/v2/images?disk_format=qcow2&container_format=bare', alice.token))).toEqual(['p2', 'cirros']);
    expect(names(await call('GET', `/v2/images?owner=${alice.projectId}&visibility=private`, alice.token))).toEqual(['p3', 'p2', 'p1']);
    expect(names(await call('GET', '/v2/images?tag=red', alice.token))).toEqual(['p2', 'p1']);
    expect(names(await call('GET', '/v2/images?tag=red&tag=big', alice.token))).toEqual(['p2']);
    expect(names(await call('GET', '/v2/images?os_distro=debian', alice.token))).toEqual(['p3']);
    expect(names(await call('GET', '/v2/images?os_hidden=true', alice.token))).toEqual(['hidden-one']);
  });

  it('sorts by the keys asked for, in either syntax', async () => {
    const mine = `owner=${alice.projectId}&visibility=private`;
    expect(names(await call('GET', `/v2/images?${mine}&sort_key=name&sort_dir=asc`, alice.token))).toEqual(['p1', 'p2', 'p3']);
    expect(names(await call('GET', `/v2/images?${mine}&sort=disk_format:asc,name:desc`, alice.token))).toEqual(['p3', 'p2', 'p1']);
    expect(names(await call('GET', `/v2/images?${mine}&sort=name`, alice.token))).toEqual(['p3', 'p2', 'p1']);
  });

  it('pages with limit and marker, following `next` to the end', async () => {
    const seen: string[] = [];
    let url: string | undefined = '/v2/images?limit=3&sort_key=name&sort_dir=asc';
    let pages = 0;
    while (url) {
      const res = await call('GET', url, alice.token);
      expect(res.status).toBe(200);
      seen.push(...names(res));
      expect(res.body.first).toBe('/v2/images?limit=3&sort_key=name&sort_dir=asc');
      url = res.body.next;
      if (url) expect(url).toMatch(/^\/v2\/images\?limit=3&sort_key=name&sort_dir=asc&marker=[0-9a-f-]{36}$/);
      pages++;
    }
    expect(seen).toEqual(['cirros', 'community-one', 'p1', 'p2', 'p3', 'public-one', 'shared-one']);
    expect(pages).toBe(3);
  });

  it('refuses bad paging, sorting and filter values with 400', async () => {
    const cases: [string, string][] = [
      ['limit=abc', 'limit param must be an integer'],
      ['limit=-1', 'limit param must be positive'],
      ['sort_key=colour', 'Invalid sort key: colour. It must be one of the following: name, status, container_format, disk_format, size, id, created_at, updated_at.'],
      ['sort_dir=up', 'Invalid sort direction: up'],
      ['sort=name&sort_key=name', 'Old and new sorting syntax cannot be combined'],
      ['visibility=everyone', 'Invalid visibility value: everyone'],
      ['os_hidden=maybe', "Invalid value 'maybe' for 'os_hidden' filter. Valid values are 'true' or 'false'."],
      ['name=like:p', "Unable to filter by unknown operator 'like'."],
      ['size_min=big', 'Unable to filter on a range with a non-numeric value.'],
      ['marker=00000000-0000-4000-8000-000000000000', 'No image found with ID 00000000-0000-4000-8000-000000000000'],
      [`marker=${'x'}`, 'No image found with ID x'],
      ['changes-since=2020-01-01', 'The "changes-since" filter is no longer available on v2.'],
    ];
    for (const [query, message] of cases) {
      const res = await call('GET', `/v2/images?${query}`, alice.token);
      expect(res.status, query).toBe(400);
      expect(res.body.message).toBe(message);
    }
  });
});

describe('visibility across projects', () => {
  it('shows another project public images only, and community ones when asked', async () => {
    expect(names(await call('GET', '/v2/images', bob.token))).toEqual(['bobs', 'public-one', 'cirros']);
    expect(names(await call('GET', '/v2/images?visibility=community', bob.token))).toEqual(['community-one']);
    expect((await call('GET', `/v2/images/${images.community!.id}`, bob.token)).status).toBe(200);
  });

  it('hides private images and unshared shared ones of other projects (404, never 403)', async () => {
    for (const key of ['p1', 'shared', 'hidden']) {
      const id = images[key]!.id;
      const shown = await call('GET', `/v2/images/${id}`, bob.token);
      expect(shown.status, key).toBe(404);
      expect(shown.body.message).toBe(`No image found with ID ${id}`);
      expect((await call('DELETE', `/v2/images/${id}`, bob.token)).status).toBe(404);
      expect((await call('GET', `/v2/images/${id}/file`, bob.token)).status).toBe(404);
    }
    expect(names(await call('GET', '/v2/images?visibility=private', bob.token))).toEqual(['bobs']);
  });

  it('lets others see but not change or delete a public image', async () => {
    const id = images.pub!.id;
    const change = await fetch(`${api.url}/image/v2/images/${id}`, {
      method: 'PATCH',
      headers: { 'X-Auth-Token': bob.token, 'Content-Type': 'application/openstack-images-v2.1-json-patch' },
      body: JSON.stringify([{ op: 'replace', path: '/name', value: 'mine-now' }]),
    });
    expect(change.status).toBe(403);
    expect(((await change.json()) as Json).message).toBe('You are not authorized to complete modify_image action.');
    const del = await call('DELETE', `/v2/images/${id}`, bob.token);
    expect(del.status).toBe(403);
    expect(del.body.message).toBe('You are not authorized to complete delete_image action.');
  });

  it('shows an admin every project’s images', async () => {
    const all = names(await call('GET', '/v2/images?limit=100', admin.token));
    expect(all).toEqual(expect.arrayContaining(['bobs', 'p1', 'p2', 'p3', 'shared-one', 'public-one', 'cirros']));
    expect(all).not.toContain('community-one');
    expect((await call('GET', `/v2/images/${images.bobs!.id}`, admin.token)).status).toBe(200);
  });

  it('shares a shared image with a member project, which sees it by id at once and in its list once accepted', async () => {
    const id = images.shared!.id;
    const added = await call('POST', `/v2/images/${id}/members`, alice.token, { member: bob.projectId });
    expect(added.status).toBe(200);
    expect(added.body).toMatchObject({ member_id: bob.projectId, image_id: id, status: 'pending', schema: '/v2/schemas/member' });
    const dup = await call('POST', `/v2/images/${id}/members`, alice.token, { member: bob.projectId });
    expect(dup.status).toBe(409);

    expect((await call('GET', `/v2/images/${id}`, bob.token)).status).toBe(200);
    expect(names(await call('GET', '/v2/images', bob.token))).not.toContain('shared-one');
    expect(names(await call('GET', '/v2/images?member_status=pending', bob.token))).toContain('shared-one');

    const byOwner = await call('PUT', `/v2/images/${id}/members/${bob.projectId}`, alice.token, { status: 'accepted' });
    expect(byOwner.status).toBe(403);
    const bad = await call('PUT', `/v2/images/${id}/members/${bob.projectId}`, bob.token, { status: 'maybe' });
    expect(bad.status).toBe(400);
    const accepted = await call('PUT', `/v2/images/${id}/members/${bob.projectId}`, bob.token, { status: 'accepted' });
    expect(accepted.status).toBe(200);
    expect(accepted.body.status).toBe('accepted');
    expect(names(await call('GET', '/v2/images', bob.token))).toContain('shared-one');

    const members = await call('GET', `/v2/images/${id}/members`, bob.token);
    expect(members.body).toMatchObject({ schema: '/v2/schemas/members', members: [{ member_id: bob.projectId, status: 'accepted' }] });
    const notShared = await call('POST', `/v2/images/${images.p1!.id}/members`, alice.token, { member: bob.projectId });
    expect(notShared.status).toBe(403);

    expect((await call('DELETE', `/v2/images/${id}/members/${bob.projectId}`, alice.token)).status).toBe(204);
    expect((await call('GET', `/v2/images/${id}`, bob.token)).status).toBe(404);
  });
});
