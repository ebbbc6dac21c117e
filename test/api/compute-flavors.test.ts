import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../support/api.ts';
import { tokenFor } from '../support/identity.ts';
import { computeClient } from '../support/compute-client.ts';

let api: TestApi;
let admin: string;
let member: string;

beforeAll(async () => {
  api = await startTestApi();
  admin = (await tokenFor(api.db.pool, { project: 'ops', role: 'admin' })).token;
  member = (await tokenFor(api.db.pool, { project: 'tenant', role: 'member' })).token;
});
afterAll(() => api.stop());

const call = computeClient(() => api.url);

type Flavor = Record<string, unknown> & { id: string; name: string };

describe('flavors', () => {
  it('lists Nova’s five default flavors with their well-known ids', async () => {
    const { status, body } = await call(member, 'GET', '/flavors');
    expect(status).toBe(200);
    expect(body.flavors.map((f: Flavor) => [f.id, f.name])).toEqual([
      ['1', 'm1.tiny'], ['2', 'm1.small'], ['3', 'm1.medium'], ['4', 'm1.large'], ['5', 'm1.xlarge'],
    ]);
    expect(body.flavors[0].links[0]).toEqual({ rel: 'self', href: 'http://nova.test:8774/compute/v2.1/flavors/1' });
  });

  it('shows the fields of each microversion', async () => {
    const old = (await call(member, 'GET', '/flavors/2')).body.flavor;
    expect(old).toMatchObject({ id: '2', name: 'm1.small', ram: 2048, disk: 20, vcpus: 1, swap: '', rxtx_factor: 1, 'OS-FLV-EXT-DATA:ephemeral': 0, 'os-flavor-access:is_public': true });
    expect(old).not.toHaveProperty('description');
    const newer = (await call(member, 'GET', '/flavors/2', undefined, '2.75')).body.flavor;
    expect(newer).toMatchObject({ swap: 0, description: null, extra_specs: {} });
  });

  it('filters by minRam and pages with limit and marker', async () => {
    const big = (await call(member, 'GET', '/flavors/detail?minRam=8192')).body.flavors.map((f: Flavor) => f.name);
    expect(big).toEqual(['m1.large', 'm1.xlarge']);
    const page = await call(member, 'GET', '/flavors?limit=2');
    expect(page.body.flavors.map((f: Flavor) => f.id)).toEqual(['1', '2']);
    expect(page.body.flavors_links[0].href).toContain('marker=2');
    const next = await call(member, 'GET', '/flavors?limit=2&marker=2');
    expect(next.body.flavors.map((f: Flavor) => f.id)).toEqual(['3', '4']);
    expect((await call(member, 'GET', '/flavors?marker=nope')).status).toBe(400);
  });

  it('answers 404 for an unknown flavor and 400 for bad query values', async () => {
    expect(await call(member, 'GET', '/flavors/999')).toEqual({
      status: 404,
      body: { itemNotFound: { code: 404, message: 'Flavor 999 could not be found.' } },
    });
    expect((await call(member, 'GET', '/flavors?minRam=lots')).status).toBe(400);
    expect((await call(member, 'GET', '/flavors?sort_key=colour')).status).toBe(400);
  });

  it('lets an admin create, describe and delete a flavor', async () => {
    const created = await call(admin, 'POST', '/flavors', { flavor: { name: 'c1.custom', ram: 1024, vcpus: 2, disk: 10, id: 'custom-1', description: 'for tests' } }, '2.55');
    expect(created.status).toBe(200);
    expect(created.body.flavor).toMatchObject({ id: 'custom-1', name: 'c1.custom', ram: 1024, vcpus: 2, disk: 10, description: 'for tests' });
    const updated = await call(admin, 'PUT', '/flavors/custom-1', { flavor: { description: 'changed' } }, '2.55');
    expect(updated.body.flavor.description).toBe('changed');
    expect((await call(admin, 'PUT', '/flavors/custom-1', { flavor: { description: 'x' } }, '2.54')).status).toBe(404);
    expect((await call(admin, 'DELETE', '/flavors/custom-1')).status).toBe(202);
    expect((await call(admin, 'GET', '/flavors/custom-1')).status).toBe(404);
  });

  it('refuses duplicates with 409 and bad input with 400', async () => {
    const dup = await call(admin, 'POST', '/flavors', { flavor: { name: 'm1.tiny', ram: 1, vcpus: 1, disk: 1 } });
    expect(dup).toEqual({ status: 409, body: { conflictingRequest: { code: 409, message: 'Flavor with name m1.tiny already exists.' } } });
    const dupId = await call(admin, 'POST', '/flavors', { flavor: { name: 'other', ram: 1, vcpus: 1, disk: 1, id: '1' } });
    expect(dupId.body.conflictingRequest.message).toBe('Flavor with ID 1 already exists.');
    for (const flavor of [{ name: 'x', ram: 0, vcpus: 1, disk: 1 }, { name: 'x', vcpus: 1, disk: 1 }, { name: '', ram: 1, vcpus: 1, disk: 1 }, { name: 'x', ram: 1, vcpus: 1, disk: 1, colour: 'red' }]) {
      const res = await call(admin, 'POST', '/flavors', { flavor });
      expect(res.status).toBe(400);
      expect(res.body.badRequest.message).toMatch(/^Invalid input for field\/attribute /);
    }
  });

  it('keeps flavor management to admins, with Nova’s 403', async () => {
    const res = await call(member, 'POST', '/flavors', { flavor: { name: 'mine', ram: 1, vcpus: 1, disk: 1 } });
    expect(res).toEqual({ status: 403, body: { forbidden: { code: 403, message: "Policy doesn't allow os_compute_api:os-flavor-manage:create to be performed." } } });
    expect((await call(member, 'DELETE', '/flavors/1')).status).toBe(403);
  });

  it('hides private flavors from projects without access', async () => {
    await call(admin, 'POST', '/flavors', { flavor: { name: 'secret', ram: 64, vcpus: 1, disk: 1, id: 'secret', 'os-flavor-access:is_public': false } });
    expect((await call(member, 'GET', '/flavors/secret')).status).toBe(404);
    expect((await call(member, 'GET', '/flavors')).body.flavors.map((f: Flavor) => f.id)).not.toContain('secret');
    expect((await call(admin, 'GET', '/flavors?is_public=false')).body.flavors.map((f: Flavor) => f.id)).toEqual(['secret']);
    expect((await call(admin, 'GET', '/flavors?is_public=None')).body.flavors).toHaveLength(6);
  });
});
