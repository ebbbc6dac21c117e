import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../support/api.ts';
import { tokenFor, type TestCredentials } from '../support/identity.ts';

let api: TestApi;
let alice: TestCredentials; // member of project a
let bob: TestCredentials; // member of project b
let reader: TestCredentials; // reader of project a
let admin: string;
let adminProject: string;
beforeAll(async () => {
  api = await startTestApi();
  alice = await tokenFor(api.db.pool, { project: 'a', role: 'member', user: 'alice' });
  bob = await tokenFor(api.db.pool, { project: 'b', role: 'member', user: 'bob' });
  reader = await tokenFor(api.db.pool, { project: 'a', role: 'reader', user: 'rita' });
  // The bootstrap admin (admin on project admin), who owns the shared `private` network.
  const bootstrapAdmin = await tokenFor(api.db.pool, { project: 'admin', role: 'admin', user: 'admin' });
  admin = bootstrapAdmin.token;
  adminProject = bootstrapAdmin.projectId;
});
afterAll(() => api.stop());

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

async function call(token: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: Json }> {
  const res = await fetch(`${api.url}/network/v2.0${path}`, {
    method,
    headers: { 'X-Auth-Token': token, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Json) : {} };
}

const policyError = (message: string) => ({ NeutronError: { type: 'PolicyNotAuthorized', message, detail: '' } });

describe("another project's network", () => {
  let netId: string;
  let subnetId: string;
  let portId: string;
  beforeAll(async () => {
    netId = (await call(alice.token, 'POST', '/networks', { network: { name: 'alices' } })).body.network.id;
    subnetId = (await call(alice.token, 'POST', '/subnets', { subnet: { network_id: netId, cidr: '172.16.0.0/24', ip_version: 4 } })).body.subnet.id;
    portId = (await call(alice.token, 'POST', '/ports', { port: { network_id: netId } })).body.port.id;
  });

  it('does not exist for a member of another project (404 everywhere, absent from lists)', async () => {
    for (const [method, path, body] of [
      ['GET', `/networks/${netId}`],
      ['PUT', `/networks/${netId}`, { network: { name: 'mine' } }],
      ['DELETE', `/networks/${netId}`],
      ['GET', `/subnets/${subnetId}`],
      ['DELETE', `/subnets/${subnetId}`],
      ['GET', `/ports/${portId}`],
      ['PUT', `/ports/${portId}`, { port: { name: 'mine' } }],
      ['DELETE', `/ports/${portId}`],
      ['POST', '/ports', { port: { network_id: netId } }],
      ['POST', '/subnets', { subnet: { network_id: netId, cidr: '172.17.0.0/24', ip_version: 4 } }],
    ] as const) {
      const res = await call(bob.token, method, path, body);
      expect(res.status, `${method} ${path}`).toBe(404);
    }
    expect((await call(bob.token, 'GET', '/networks')).body.networks.map((n: Json) => n.id)).not.toContain(netId);
    expect((await call(bob.token, 'GET', '/ports')).body.ports).toEqual([]);
    expect((await call(bob.token, 'GET', `/subnets?network_id=${netId}`)).body.subnets).toEqual([]);
  });

  it('is readable but not writable by a reader of the owning project', async () => {
    expect((await call(reader.token, 'GET', `/networks/${netId}`)).status).toBe(200);
    const res = await call(reader.token, 'PUT', `/networks/${netId}`, { network: { name: 'x' } });
    expect(res.status).toBe(403);
    expect(res.body).toEqual(policyError('rule:update_network is disallowed by policy'));
    expect((await call(reader.token, 'POST', '/networks', { network: { name: 'r' } })).status).toBe(403);
  });

  it('is visible to the admin, with port binding details', async () => {
    expect((await call(admin, 'GET', '/networks')).body.networks.map((n: Json) => n.id)).toContain(netId);
    const port = await call(admin, 'GET', `/ports/${portId}`);
    expect(port.body.port).toMatchObject({ 'binding:host_id': '', 'binding:vif_type': 'unbound', status: 'DOWN' });
    const own = await call(alice.token, 'GET', `/ports/${portId}`);
    expect(own.body.port).not.toHaveProperty('binding:host_id');
  });
});

describe('the shared network', () => {
  let privateId: string;
  beforeAll(async () => {
    const list = await call(bob.token, 'GET', '/networks?name=private');
    privateId = list.body.networks[0].id;
  });

  it('is the bootstrap network: shared, owned by admin, with 10.0.0.0/24', async () => {
    const net = await call(bob.token, 'GET', `/networks/${privateId}`);
    expect(net.body.network).toMatchObject({ name: 'private', shared: true, project_id: adminProject });
    const subnets = await call(bob.token, 'GET', `/subnets?network_id=${privateId}`);
    expect(subnets.body.subnets).toHaveLength(1);
    expect(subnets.body.subnets[0]).toMatchObject({ name: 'private-subnet', cidr: '10.0.0.0/24', gateway_ip: '10.0.0.1' });
  });

  it('may be read and used for ports by a member, not changed', async () => {
    const update = await call(bob.token, 'PUT', `/networks/${privateId}`, { network: { name: 'x' } });
    expect(update.status).toBe(403);
    expect(update.body).toEqual(policyError('rule:update_network is disallowed by policy'));
    expect((await call(bob.token, 'DELETE', `/networks/${privateId}`)).status).toBe(403);
    const subnet = await call(bob.token, 'POST', '/subnets', { subnet: { network_id: privateId, cidr: '10.1.0.0/24', ip_version: 4 } });
    expect(subnet.status).toBe(403);
    expect(subnet.body).toEqual(policyError('rule:create_subnet is disallowed by policy'));
    const port = await call(bob.token, 'POST', '/ports', { port: { network_id: privateId, name: 'bobs' } });
    expect(port.status).toBe(201);
    expect(port.body.port.project_id).toBe(bob.projectId);
    expect(port.body.port.fixed_ips[0].ip_address).toMatch(/^10\.0\.0\.\d+$/);
    const pick = await call(bob.token, 'POST', '/ports', { port: { network_id: privateId, fixed_ips: [{ ip_address: '10.0.0.200' }] } });
    expect(pick.status).toBe(403);
    expect(pick.body).toEqual(policyError('(rule:create_port and rule:create_port:fixed_ips:ip_address) is disallowed by policy'));
    // The network's owner (admin) sees bob's port; alice does not.
    expect((await call(admin, 'GET', `/ports/${port.body.port.id}`)).status).toBe(200);
    expect((await call(alice.token, 'GET', `/ports/${port.body.port.id}`)).status).toBe(404);
  });
});

describe('admin-only attributes', () => {
  it('refuses shared and external networks to members, with both rules named', async () => {
    const shared = await call(alice.token, 'POST', '/networks', { network: { name: 's', shared: true } });
    expect(shared.status).toBe(403);
    expect(shared.body).toEqual(policyError('(rule:create_network and rule:create_network:shared) is disallowed by policy'));
    const external = await call(alice.token, 'POST', '/networks', { network: { name: 'e', 'router:external': true } });
    expect(external.body).toEqual(policyError('(rule:create_network and rule:create_network:router:external) is disallowed by policy'));
    const binding = await call(alice.token, 'POST', '/ports', { port: { network_id: (await call(alice.token, 'GET', '/networks?name=private')).body.networks[0].id, 'binding:host_id': 'h' } });
    expect(binding.status).toBe(403);
  });

  it('refuses another project id to members, grants it to admins', async () => {
    const other = await call(alice.token, 'POST', '/networks', { network: { name: 'o', project_id: bob.projectId } });
    expect(other.status).toBe(403);
    expect(other.body).toEqual(policyError('rule:create_network is disallowed by policy'));
    const forBob = await call(admin, 'POST', '/networks', { network: { name: 'for-bob', tenant_id: bob.projectId, shared: true, 'router:external': true } });
    expect(forBob.status).toBe(201);
    expect(forBob.body.network).toMatchObject({ project_id: bob.projectId, shared: true, 'router:external': true });
    expect((await call(bob.token, 'GET', `/networks/${forBob.body.network.id}`)).status).toBe(200);
    const mismatch = await call(admin, 'POST', '/networks', { network: { project_id: bob.projectId, tenant_id: alice.projectId } });
    expect(mismatch.status).toBe(400);
  });
});
