/** Flavor extra specs and private-flavor access through the compute API, as Nova answers them. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../support/api.ts';
import { tokenFor, type TestCredentials } from '../support/identity.ts';
import { computeClient } from '../support/compute-client.ts';

let api: TestApi;
let admin: string;
let member: TestCredentials;
let outsider: TestCredentials;

beforeAll(async () => {
  api = await startTestApi();
  admin = (await tokenFor(api.db.pool, { project: 'ops', role: 'admin' })).token;
  member = await tokenFor(api.db.pool, { project: 'granted', role: 'member' });
  outsider = await tokenFor(api.db.pool, { project: 'not-granted', role: 'member' });
  const made = await call(admin, 'POST', '/flavors', { flavor: { name: 'gpu.private', ram: 1024, vcpus: 2, disk: 10, id: 'gpu-1', 'os-flavor-access:is_public': false } });
  expect(made.status).toBe(200);
});
afterAll(() => api.stop());

const call = computeClient(() => api.url);

describe('extra specs', () => {
  it('sets, reads, updates and deletes extra specs as an admin', async () => {
    const set = await call(admin, 'POST', '/flavors/2/os-extra_specs', { extra_specs: { 'hw:cpu_policy': 'dedicated', 'quota:disk_read_iops_sec': 500, 'trait:HW_CPU_X86_AVX2': 'required' } });
    expect(set).toMatchObject({ status: 200, body: { extra_specs: { 'hw:cpu_policy': 'dedicated', 'quota:disk_read_iops_sec': '500' } } });
    expect((await call(member.token, 'GET', '/flavors/2/os-extra_specs')).body.extra_specs).toEqual({
      'hw:cpu_policy': 'dedicated', 'quota:disk_read_iops_sec': '500', 'trait:HW_CPU_X86_AVX2': 'required',
    });
    expect((await call(member.token, 'GET', '/flavors/2/os-extra_specs/hw:cpu_policy')).body).toEqual({ 'hw:cpu_policy': 'dedicated' });
    expect(await call(admin, 'PUT', '/flavors/2/os-extra_specs/hw:cpu_policy', { 'hw:cpu_policy': 'shared' })).toMatchObject({ status: 200, body: { 'hw:cpu_policy': 'shared' } });
    expect((await call(member.token, 'GET', '/flavors/2', undefined, '2.61')).body.flavor.extra_specs['hw:cpu_policy']).toBe('shared');
    expect((await call(admin, 'DELETE', '/flavors/2/os-extra_specs/hw:cpu_policy')).status).toBe(202);
    expect(await call(member.token, 'GET', '/flavors/2/os-extra_specs/hw:cpu_policy')).toMatchObject({
      status: 404, body: { itemNotFound: { code: 404, message: 'Flavor 2 has no extra specs with key hw:cpu_policy.' } },
    });
  });

  it('answers Nova’s errors', async () => {
    expect(await call(admin, 'PUT', '/flavors/2/os-extra_specs/a', { b: '1' })).toMatchObject({ status: 400, body: { badRequest: { message: 'Request body and URI mismatch' } } });
    expect(await call(admin, 'PUT', '/flavors/2/os-extra_specs/a', { a: '1', b: '2' })).toMatchObject({ status: 400, body: { badRequest: { message: 'Request body contains too many items' } } });
    expect((await call(admin, 'POST', '/flavors/2/os-extra_specs', { extra_specs: { 'bad/key': 'x' } })).status).toBe(400);
    expect((await call(admin, 'POST', '/flavors/2/os-extra_specs', { specs: {} })).status).toBe(400);
    expect(await call(admin, 'GET', '/flavors/nope/os-extra_specs')).toMatchObject({ status: 404, body: { itemNotFound: { message: 'Flavor nope could not be found.' } } });
    expect(await call(member.token, 'POST', '/flavors/2/os-extra_specs', { extra_specs: { a: 'b' } })).toMatchObject({
      status: 403, body: { forbidden: { message: "Policy doesn't allow os_compute_api:os-flavor-extra-specs:create to be performed." } },
    });
    expect((await call(admin, 'DELETE', '/flavors/2/os-extra_specs/never-set')).status).toBe(404);
  });
});

describe('flavor access', () => {
  it('shares a private flavor with a project, which then sees it, and takes it back', async () => {
    expect((await call(member.token, 'GET', '/flavors/gpu-1')).status).toBe(404);
    const added = await call(admin, 'POST', '/flavors/gpu-1/action', { addTenantAccess: { tenant: member.projectId } });
    expect(added).toMatchObject({ status: 200, body: { flavor_access: [{ flavor_id: 'gpu-1', tenant_id: member.projectId }] } });
    expect((await call(admin, 'GET', '/flavors/gpu-1/os-flavor-access')).body.flavor_access).toEqual([{ flavor_id: 'gpu-1', tenant_id: member.projectId }]);
    expect((await call(member.token, 'GET', '/flavors/gpu-1')).body.flavor).toMatchObject({ name: 'gpu.private', 'os-flavor-access:is_public': false });
    expect((await call(member.token, 'GET', '/flavors')).body.flavors.map((f: { id: string }) => f.id)).toContain('gpu-1');
    expect((await call(outsider.token, 'GET', '/flavors')).body.flavors.map((f: { id: string }) => f.id)).not.toContain('gpu-1');

    expect(await call(admin, 'POST', '/flavors/gpu-1/action', { addTenantAccess: { tenant: member.projectId } })).toMatchObject({
      status: 409, body: { conflictingRequest: { message: `Flavor access already exists for flavor gpu-1 and project ${member.projectId} combination.` } },
    });
    expect((await call(admin, 'POST', '/flavors/gpu-1/action', { removeTenantAccess: { tenant: member.projectId } })).body).toEqual({ flavor_access: [] });
    expect((await call(member.token, 'GET', '/flavors/gpu-1')).status).toBe(404);
    expect(await call(admin, 'POST', '/flavors/gpu-1/action', { removeTenantAccess: { tenant: member.projectId } })).toMatchObject({
      status: 404, body: { itemNotFound: { message: `Flavor access not found for gpu-1 / ${member.projectId} combination.` } },
    });
  });

  it('refuses public flavors, unknown projects, unknown actions and members', async () => {
    expect(await call(admin, 'GET', '/flavors/1/os-flavor-access')).toMatchObject({ status: 404, body: { itemNotFound: { message: 'Access list not available for public flavors.' } } });
    expect(await call(admin, 'POST', '/flavors/1/action', { addTenantAccess: { tenant: member.projectId } })).toMatchObject({
      status: 409, body: { conflictingRequest: { message: 'Can not add access to a public flavor.' } },
    });
    expect(await call(admin, 'POST', '/flavors/gpu-1/action', { addTenantAccess: { tenant: 'no-such-project' } })).toMatchObject({
      status: 400, body: { badRequest: { message: 'Project ID no-such-project is not a valid project.' } },
    });
    expect(await call(admin, 'POST', '/flavors/gpu-1/action', { shareWithEveryone: {} })).toMatchObject({ status: 400, body: { badRequest: { message: 'There is no such action: shareWithEveryone' } } });
    expect((await call(member.token, 'GET', '/flavors/gpu-1/os-flavor-access')).status).toBe(403);
  });
});
