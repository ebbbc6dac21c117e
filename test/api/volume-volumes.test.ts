import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../support/api.ts';
import { tokenFor, type TestCredentials } from '../support/identity.ts';

let api: TestApi;
let member: TestCredentials;
let other: TestCredentials;
let admin: TestCredentials;
beforeAll(async () => {
  api = await startTestApi();
  member = await tokenFor(api.db.pool, { project: 'vol', role: 'member' });
  other = await tokenFor(api.db.pool, { project: 'vol-other', role: 'member' });
  admin = await tokenFor(api.db.pool, { project: 'admin', role: 'admin', user: 'admin' });
});
afterAll(() => api.stop());

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const GIB = 1024 ** 3;

async function call(method: string, p: string, body?: unknown, opts: { token?: string; version?: string } = {}) {
  const headers: Record<string, string> = { 'X-Auth-Token': opts.token ?? member.token };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (opts.version) headers['OpenStack-API-Version'] = `volume ${opts.version}`;
  const res = await fetch(`${api.url}/volume${p}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: (text ? JSON.parse(text) : {}) as Json };
}

const vols = () => `/v3/${member.projectId}/volumes`;

async function waitFor(id: string, status: string, token = member.token): Promise<Json> {
  for (let i = 0; i < 100; i++) {
    const res = await call('GET', `/v3/volumes/${id}`, undefined, { token });
    if (res.body.volume?.status === status) return res.body.volume;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`volume ${id} never became ${status}`);
}

describe('volume discovery and microversions', () => {
  it('lists v3.0 at the root (300) and describes it at /v3/, with and without project id', async () => {
    const root = await fetch(`${api.url}/volume/`);
    expect(root.status).toBe(300);
    const { versions } = (await root.json()) as Json;
    expect(versions).toHaveLength(1);
    expect(versions[0]).toMatchObject({ id: 'v3.0', status: 'CURRENT', version: '3.70', min_version: '3.0' });
    expect(versions[0].links).toContainEqual({ rel: 'self', href: 'http://nova.test:8774/volume/v3/' });
    for (const p of ['/volume/v3/', `/volume/v3/${member.projectId}`]) {
      const doc = await fetch(`${api.url}${p}`);
      expect(doc.status).toBe(200);
      expect(((await doc.json()) as Json).versions[0].id).toBe('v3.0');
    }
  });

  it('echoes the negotiated version and refuses bad ones', async () => {
    const none = await call('GET', vols());
    expect(none.headers.get('openstack-api-version')).toBe('volume 3.0');
    expect(none.headers.get('vary')).toContain('OpenStack-API-Version');
    expect((await call('GET', vols(), undefined, { version: 'latest' })).headers.get('openstack-api-version')).toBe('volume 3.70');
    const high = await call('GET', vols(), undefined, { version: '3.99' });
    expect(high.status).toBe(406);
    expect(high.body).toEqual({ computeFault: { code: 406, message: 'Version 3.99 is not supported by the API. Minimum is 3.0 and maximum is 3.70.' } });
    const bad = await call('GET', vols(), undefined, { version: '3.x' });
    expect(bad.status).toBe(400);
    expect(bad.body.badRequest.message).toContain('is of invalid format');
  });

  it('needs a token', async () => {
    const res = await fetch(`${api.url}/volume${vols()}`);
    expect(res.status).toBe(401);
  });
});

describe('volumes', () => {
  it('creates a sparse file, becomes available, and shows Cinder fields', async () => {
    const created = await call('POST', vols(), { volume: { size: 1, name: 'v1', description: 'first', snapshot_id: null, metadata: null } });
    expect(created.status).toBe(202);
    expect(created.body.volume).toMatchObject({ name: 'v1', size: 1, status: 'creating', volume_type: '__DEFAULT__', availability_zone: 'nova', bootable: 'false', multiattach: false, encrypted: false, attachments: [] });
    const id = created.body.volume.id as string;
    expect(created.body.volume.links[0].href).toBe(`http://nova.test:8774/volume/v3/${member.projectId}/volumes/${id}`);
    const volume = await waitFor(id, 'available');
    expect(volume).toMatchObject({ 'os-vol-tenant-attr:tenant_id': member.projectId, user_id: member.userId });
    expect(volume).not.toHaveProperty('os-vol-host-attr:host');
    expect(volume.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$/);
    const stat = await fs.stat(path.join(api.dataDir, 'volumes', id));
    expect(stat.size).toBe(GIB);
    expect(stat.blocks * 512).toBeLessThan(1024 * 1024);
    const asAdmin = await call('GET', `/v3/volumes/${id}`, undefined, { token: admin.token, version: '3.70' });
    expect(asAdmin.body.volume).toMatchObject({ 'os-vol-host-attr:host': expect.any(String), volume_type_id: expect.any(String), consumes_quota: true });
  });

  it('lists summaries and details, filters, and pages newest first', async () => {
    const ids: string[] = [];
    for (const name of ['pa', 'pb', 'pc']) ids.push((await call('POST', vols(), { volume: { size: 1, name } })).body.volume.id);
    for (const id of ids) await waitFor(id, 'available');
    const summary = await call('GET', vols());
    expect(Object.keys(summary.body.volumes[0]).sort()).toEqual(['id', 'links', 'name']);
    const byName = await call('GET', `${vols()}/detail?name=pb`);
    expect(byName.body.volumes.map((v: Json) => v.id)).toEqual([ids[1]]);
    const page = await call('GET', '/v3/volumes/detail?limit=2&status=available');
    expect(page.body.volumes.map((v: Json) => v.name)).toEqual(['pc', 'pb']);
    const next = new URL(page.body.volumes_links[0].href);
    expect(next.searchParams.get('marker')).toBe(ids[1]);
    const rest = await call('GET', `/v3/volumes/detail${next.search}`);
    expect(rest.body.volumes.map((v: Json) => v.name)).toEqual(['pa', 'v1']);
    const counted = await call('GET', `${vols()}?with_count=true`, undefined, { version: '3.45' });
    expect(counted.body.count).toBe(4);
    const sorted = await call('GET', `${vols()}/detail?sort=name:asc`);
    expect(sorted.body.volumes.map((v: Json) => v.name)).toEqual(['pa', 'pb', 'pc', 'v1']);
  });

  it('updates name, description and metadata, and extends', async () => {
    const id = (await call('POST', vols(), { volume: { size: 1, name: 'upd', metadata: { a: '1' } } })).body.volume.id;
    await waitFor(id, 'available');
    const updated = await call('PUT', `${vols()}/${id}`, { volume: { name: 'renamed', description: 'desc' } });
    expect(updated.body.volume).toMatchObject({ name: 'renamed', description: 'desc', metadata: { a: '1' } });
    expect((await call('POST', `${vols()}/${id}/metadata`, { metadata: { b: '2' } })).body.metadata).toEqual({ a: '1', b: '2' });
    expect((await call('DELETE', `${vols()}/${id}/metadata/a`)).status).toBe(200);
    expect((await call('GET', `${vols()}/${id}/metadata`)).body.metadata).toEqual({ b: '2' });
    expect((await call('DELETE', `${vols()}/${id}/metadata/zz`)).status).toBe(404);
    expect((await call('POST', `${vols()}/${id}/action`, { 'os-extend': { new_size: 2 } })).status).toBe(202);
    expect((await call('GET', `${vols()}/${id}`)).body.volume.size).toBe(2);
    expect((await fs.stat(path.join(api.dataDir, 'volumes', id))).size).toBe(2 * GIB);
    const shrink = await call('POST', `${vols()}/${id}/action`, { 'os-extend': { new_size: 1 } });
    expect(shrink.status).toBe(400);
    expect((await call('POST', `${vols()}/${id}/action`, { 'os-set_bootable': { bootable: true } })).status).toBe(200);
    expect((await call('GET', `${vols()}/${id}`)).body.volume.bootable).toBe('true');
    expect((await call('POST', `${vols()}/${id}/action`, { 'os-frobnicate': {} })).body.badRequest.message).toBe('There is no such action: os-frobnicate');
  });

  it('copies an image file it finds under <dataDir>/images, and is bootable', async () => {
    const imageId = '0f0e0d0c-0b0a-4909-8807-060504030201';
    await fs.mkdir(path.join(api.dataDir, 'images'), { recursive: true });
    await fs.writeFile(path.join(api.dataDir, 'images', imageId), 'boot sector of the test image');
    const id = (await call('POST', vols(), { volume: { size: 1, imageRef: imageId } })).body.volume.id;
    const volume = await waitFor(id, 'available');
    expect(volume.bootable).toBe('true');
    expect(volume.volume_image_metadata).toEqual({ image_id: imageId });
    const file = await fs.open(path.join(api.dataDir, 'volumes', id));
    const head = Buffer.alloc(29);
    await file.read(head, 0, 29, 0);
    expect(head.toString()).toBe('boot sector of the test image');
    expect((await file.stat()).size).toBe(GIB);
    await file.close();
  });

  it.each([
    [{ volume: { size: 0 } }, 400],
    [{ volume: { size: 'big' } }, 400],
    [{ volume: { name: 'nosize' } }, 400],
    [{ volume: { size: 1, volume_type: 'gold' } }, 404],
    [{ volume: { size: 1, availability_zone: 'elsewhere' } }, 400],
    [{ volume: { size: 1, snapshot_id: '0f0e0d0c-0b0a-4909-8807-060504030201' } }, 400],
    [{ size: 1 }, 400],
  ])('refuses %j', async (body, status) => {
    const res = await call('POST', vols(), body);
    expect(res.status).toBe(status);
    expect(Object.values(res.body)[0]).toMatchObject({ code: status, message: expect.any(String) });
  });

  it('hides volumes of other projects, except from admins asking for all tenants', async () => {
    const id = (await call('POST', vols(), { volume: { size: 1, name: 'private-vol' } })).body.volume.id;
    await waitFor(id, 'available');
    const peek = await call('GET', `/v3/${other.projectId}/volumes/${id}`, undefined, { token: other.token });
    expect(peek.status).toBe(404);
    expect(peek.body).toEqual({ itemNotFound: { code: 404, message: `Volume ${id} could not be found.` } });
    expect((await call('DELETE', `/v3/volumes/${id}`, undefined, { token: other.token })).status).toBe(404);
    expect((await call('GET', '/v3/volumes?all_tenants=1', undefined, { token: other.token })).body.volumes).toEqual([]);
    expect((await call('GET', '/v3/volumes', undefined, { token: admin.token })).body.volumes.map((v: Json) => v.id)).not.toContain(id);
    expect((await call('GET', '/v3/volumes?all_tenants=1', undefined, { token: admin.token })).body.volumes.map((v: Json) => v.id)).toContain(id);
  });

  it('deletes a volume and its file', async () => {
    const id = (await call('POST', vols(), { volume: { size: 1 } })).body.volume.id;
    await waitFor(id, 'available');
    expect((await call('DELETE', `${vols()}/${id}`)).status).toBe(202);
    expect((await call('GET', `${vols()}/${id}`)).status).toBe(404);
    await expect(fs.stat(path.join(api.dataDir, 'volumes', id))).rejects.toThrow(/ENOENT/);
    expect((await call('DELETE', `${vols()}/${id}`)).status).toBe(404);
  });

  it('lists the default type and zone', async () => {
    expect((await call('GET', '/v3/types')).body.volume_types.map((t: Json) => t.name)).toEqual(['__DEFAULT__']);
    expect((await call('GET', '/v3/os-availability-zone')).body.availabilityZoneInfo[0].zoneName).toBe('nova');
  });
});
