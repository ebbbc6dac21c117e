import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootstrapNetworks } from '../../activities/services/network/bootstrap.ts';
import { startTestApi, type TestApi } from '../support/api.ts';
import { tokenFor, type TestCredentials } from '../support/identity.ts';

let api: TestApi;
let member: TestCredentials;
beforeAll(async () => {
  api = await startTestApi();
  member = await tokenFor(api.db.pool, { project: 'netres', role: 'member' });
});
afterAll(() => api.stop());

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

async function call(method: string, path: string, body?: unknown, token = member.token): Promise<{ status: number; body: Json }> {
  const res = await fetch(`${api.url}/network${path}`, {
    method,
    headers: { 'X-Auth-Token': token, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Json) : {} };
}

describe('network discovery', () => {
  it('lists v2.0 at the root without a token, with a self link that answers', async () => {
    const res = await fetch(`${api.url}/network/`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      versions: [{ id: 'v2.0', status: 'CURRENT', links: [{ href: 'http://nova.test:8774/network/v2.0/', rel: 'self' }] }],
    });
    const doc = await call('GET', '/v2.0/');
    expect(doc.status).toBe(200);
    expect(doc.body.resources.map((r: Json) => r.collection)).toEqual(expect.arrayContaining(['networks', 'subnets', 'ports', 'security-groups']));
  });

  it('needs a token for everything under v2.0', async () => {
    const res = await fetch(`${api.url}/network/v2.0/networks`);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toContain('Keystone uri=');
  });

  it('lists the extensions it implements and 404s the others', async () => {
    const list = await call('GET', '/v2.0/extensions');
    const aliases = list.body.extensions.map((e: Json) => e.alias);
    expect(aliases).toEqual(expect.arrayContaining(['security-group', 'port-security', 'external-net', 'standard-attr-description']));
    expect(aliases).not.toContain('router');
    expect((await call('GET', '/v2.0/extensions/security-group')).body.extension.alias).toBe('security-group');
    const missing = await call('GET', '/v2.0/extensions/router');
    expect(missing.status).toBe(404);
    expect(missing.body.NeutronError.message).toBe('Extension with alias router does not exist');
  });
});

describe('first start', () => {
  it('creates the shared private network once, however many starters race', async () => {
    await Promise.all([bootstrapNetworks(api.db.pool), bootstrapNetworks(api.db.pool), bootstrapNetworks(api.db.pool)]);
    const networks = await api.db.pool.query(`SELECT id, shared FROM networks WHERE name = 'private'`);
    expect(networks.rows).toEqual([{ id: expect.any(String), shared: true }]);
    const subnets = await api.db.pool.query(`SELECT name, cidr::text, host(gateway_ip) AS gw FROM subnets WHERE network_id = $1`, [networks.rows[0].id]);
    expect(subnets.rows).toEqual([{ name: 'private-subnet', cidr: '10.0.0.0/24', gw: '10.0.0.1' }]);
  });
});

describe('networks', () => {
  it('creates, shows, updates and deletes a network with Neutron fields', async () => {
    const created = await call('POST', '/v2.0/networks', { network: { name: 'n1', admin_state_up: true } });
    expect(created.status).toBe(201);
    const n = created.body.network;
    expect(n).toMatchObject({
      name: 'n1',
      status: 'ACTIVE',
      admin_state_up: true,
      shared: false,
      'router:external': false,
      subnets: [],
      mtu: 1500,
      port_security_enabled: true,
      description: '',
      tags: [],
      revision_number: 0,
      project_id: member.projectId,
      tenant_id: member.projectId,
    });
    expect(n.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(n.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);

    const shown = await call('GET', `/v2.0/networks/${n.id}?fields=id&fields=name`);
    expect(shown.body).toEqual({ network: { id: n.id, name: 'n1' } });

    const updated = await call('PUT', `/v2.0/networks/${n.id}`, { network: { name: 'n1b', description: 'd' } });
    expect(updated.status).toBe(200);
    expect(updated.body.network).toMatchObject({ name: 'n1b', description: 'd', revision_number: 1 });

    expect((await call('DELETE', `/v2.0/networks/${n.id}`)).status).toBe(204);
    const gone = await call('GET', `/v2.0/networks/${n.id}`);
    expect(gone.status).toBe(404);
    expect(gone.body).toEqual({ NeutronError: { type: 'NetworkNotFound', message: `Network ${n.id} could not be found.`, detail: '' } });
  });

  it('filters by name, id and shared, and pages with limit and marker', async () => {
    const names = ['fa', 'fb', 'fc'];
    const ids: string[] = [];
    for (const name of names) ids.push((await call('POST', '/v2.0/networks', { network: { name } })).body.network.id);
    const byName = await call('GET', '/v2.0/networks?name=fb');
    expect(byName.body.networks.map((x: Json) => x.id)).toEqual([ids[1]]);
    const byIds = await call('GET', `/v2.0/networks?id=${ids[0]}&id=${ids[2]}`);
    expect(byIds.body.networks.map((x: Json) => x.name).sort()).toEqual(['fa', 'fc']);
    const shared = await call('GET', '/v2.0/networks?shared=true');
    expect(shared.body.networks.map((x: Json) => x.name)).toEqual(['private']);
    const first = await call('GET', '/v2.0/networks?limit=2&sort_key=name&sort_dir=asc');
    expect(first.body.networks.map((x: Json) => x.name)).toEqual(['fa', 'fb']);
    const next = first.body.networks_links.find((l: Json) => l.rel === 'next').href as string;
    const second = await call('GET', next.replace('http://nova.test:8774/network', ''));
    expect(second.body.networks.map((x: Json) => x.name)).toEqual(['fc', 'private']);
    const bad = await call('GET', '/v2.0/networks?colour=blue');
    expect(bad.status).toBe(400);
    expect(bad.body.NeutronError.message).toBe('[colour] is invalid attribute for filtering');
  });

  it('answers bad input with a 400 naming the problem', async () => {
    const unknown = await call('POST', '/v2.0/networks', { network: { name: 'x', colour: 'blue' } });
    expect(unknown.status).toBe(400);
    expect(unknown.body.NeutronError).toEqual({ type: 'HTTPBadRequest', message: "Unrecognized attribute(s) 'colour'", detail: '' });
    const badBool = await call('POST', '/v2.0/networks', { network: { admin_state_up: 'maybe' } });
    expect(badBool.status).toBe(400);
    expect(badBool.body.NeutronError.message).toBe("Invalid input for admin_state_up. Reason: 'maybe' is not a valid boolean.");
    const noWrapper = await call('POST', '/v2.0/networks', { name: 'x' });
    expect(noWrapper.body.NeutronError.message).toBe("Unable to find 'network' in request body");
    const malformed = await fetch(`${api.url}/network/v2.0/networks`, {
      method: 'POST',
      headers: { 'X-Auth-Token': member.token, 'Content-Type': 'application/json' },
      body: '{"network": ',
    });
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as Json).NeutronError.type).toBe('HTTPBadRequest');
    const existing = (await call('POST', '/v2.0/networks', { network: { name: 'ro' } })).body.network.id;
    const readOnly = await call('PUT', `/v2.0/networks/${existing}`, { network: { id: 'x' } });
    expect(readOnly.status).toBe(400);
    expect(readOnly.body.NeutronError.message).toBe('Cannot update read-only attribute id');
    const missing = await call('PUT', '/v2.0/networks/00000000-0000-4000-8000-000000000000', { network: { name: 'x' } });
    expect(missing.status).toBe(404);
    const notUuid = await call('GET', '/v2.0/networks/not-a-uuid');
    expect(notUuid.body.NeutronError.type).toBe('NetworkNotFound');
    const route = await call('GET', '/v2.0/routers');
    expect(route.status).toBe(404);
    expect(route.body.NeutronError.type).toBe('HTTPNotFound');
  });

  it('sets, adds and removes tags, and filters on them', async () => {
    const id = (await call('POST', '/v2.0/networks', { network: { name: 'tagged' } })).body.network.id;
    expect((await call('PUT', `/v2.0/networks/${id}/tags`, { tags: ['b', 'a'] })).body).toEqual({ tags: ['a', 'b'] });
    expect((await call('PUT', `/v2.0/networks/${id}/tags/c`)).status).toBe(201);
    expect((await call('GET', `/v2.0/networks/${id}/tags`)).body.tags).toEqual(['a', 'b', 'c']);
    expect((await call('DELETE', `/v2.0/networks/${id}/tags/a`)).status).toBe(204);
    expect((await call('DELETE', `/v2.0/networks/${id}/tags/a`)).body.NeutronError.type).toBe('TagNotFound');
    expect((await call('GET', '/v2.0/networks?tags=b,c')).body.networks.map((x: Json) => x.id)).toEqual([id]);
    expect((await call('GET', '/v2.0/networks?tags=a')).body.networks).toEqual([]);
  });
});

describe('subnets', () => {
  let networkId: string;
  beforeAll(async () => {
    networkId = (await call('POST', '/v2.0/networks', { network: { name: 'subnets' } })).body.network.id;
  });

  it('defaults the gateway to the first host and the pool to the rest', async () => {
    const res = await call('POST', '/v2.0/subnets', { subnet: { network_id: networkId, cidr: '192.168.50.0/24', ip_version: 4, name: 's' } });
    expect(res.status).toBe(201);
    expect(res.body.subnet).toMatchObject({
      cidr: '192.168.50.0/24',
      gateway_ip: '192.168.50.1',
      allocation_pools: [{ start: '192.168.50.2', end: '192.168.50.254' }],
      ip_version: 4,
      enable_dhcp: true,
      dns_nameservers: [],
      host_routes: [],
      network_id: networkId,
    });
    const network = await call('GET', `/v2.0/networks/${networkId}`);
    expect(network.body.network.subnets).toEqual([res.body.subnet.id]);
    const overlap = await call('POST', '/v2.0/subnets', { subnet: { network_id: networkId, cidr: '192.168.50.128/25', ip_version: 4 } });
    expect(overlap.status).toBe(400);
    expect(overlap.body.NeutronError.message).toContain('overlaps with another subnet');
  });

  it('takes explicit pools, gateway, DNS servers and routes, and an IPv6 subnet', async () => {
    const res = await call('POST', '/v2.0/subnets', {
      subnet: {
        network_id: networkId, cidr: '10.20.0.0/24', ip_version: 4, gateway_ip: '10.20.0.254',
        allocation_pools: [{ start: '10.20.0.10', end: '10.20.0.20' }], dns_nameservers: ['8.8.8.8'],
        host_routes: [{ destination: '10.30.0.0/16', nexthop: '10.20.0.254' }],
      },
    });
    expect(res.status).toBe(201);
    expect(res.body.subnet).toMatchObject({ gateway_ip: '10.20.0.254', allocation_pools: [{ start: '10.20.0.10', end: '10.20.0.20' }], dns_nameservers: ['8.8.8.8'] });
    const v6 = await call('POST', '/v2.0/subnets', { subnet: { network_id: networkId, cidr: '2001:db8::/64', ip_version: 6 } });
    expect(v6.status).toBe(201);
    expect(v6.body.subnet).toMatchObject({ gateway_ip: '2001:db8::1', allocation_pools: [{ start: '2001:db8::2', end: '2001:db8::ffff:ffff:ffff:ffff' }] });
    const updated = await call('PUT', `/v2.0/subnets/${res.body.subnet.id}`, { subnet: { name: 'renamed', dns_nameservers: [] } });
    expect(updated.body.subnet).toMatchObject({ name: 'renamed', dns_nameservers: [] });
    const cidr = await call('PUT', `/v2.0/subnets/${res.body.subnet.id}`, { subnet: { cidr: '10.21.0.0/24' } });
    expect(cidr.body.NeutronError.message).toBe('Cannot update read-only attribute cidr');
  });

  it.each([
    [{ cidr: '10.0.300.0/24' }, "Invalid input for cidr. Reason: '10.0.300.0/24' is not a valid IP subnet."],
    [{ cidr: '10.40.0.5/24' }, "Invalid input for cidr. Reason: '10.40.0.5/24' isn't a recognized IP subnet cidr, '10.40.0.0/24' is recommended."],
    [{ cidr: '10.40.0.0/24', allocation_pools: [{ start: '10.40.0.10', end: '10.40.1.5' }] }, 'The allocation pool 10.40.0.10-10.40.1.5 spans beyond the subnet cidr 10.40.0.0/24.'],
    [{ cidr: '10.40.0.0/24', allocation_pools: [{ start: '10.40.0.20', end: '10.40.0.10' }] }, 'The allocation pool 10.40.0.20-10.40.0.10 is not valid.'],
    [{ cidr: '10.40.0.0/24', allocation_pools: [{ start: '10.40.0.1', end: '10.40.0.10' }] }, 'Gateway ip 10.40.0.1 conflicts with allocation pool 10.40.0.1-10.40.0.10.'],
    [{ cidr: '10.40.0.0/24', allocation_pools: [{ start: '10.40.0.2', end: '10.40.0.10' }, { start: '10.40.0.5', end: '10.40.0.20' }] }, 'Found overlapping allocation pools: 10.40.0.2-10.40.0.10 10.40.0.5-10.40.0.20 for subnet 10.40.0.0/24.'],
    [{ cidr: '10.40.0.0/24', ip_version: 6 }, "Invalid input for operation: Cidr 10.40.0.0/24 does not match the ip_version '6'."],
    [{ cidr: '10.40.0.0/24', dns_nameservers: ['8.8.8.8', '8.8.8.8'] }, "Invalid input for dns_nameservers. Reason: Duplicate nameserver '8.8.8.8'."],
    [{ cidr: '10.40.0.0/31' }, 'Invalid input for operation: Subnet 10.40.0.0/31 has no usable addresses.'],
  ])('refuses %j', async (attrs, message) => {
    const res = await call('POST', '/v2.0/subnets', { subnet: { network_id: networkId, ip_version: 4, ...attrs } });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(res.body.NeutronError.message).toBe(message);
  });

  it('needs a network the caller can see', async () => {
    const res = await call('POST', '/v2.0/subnets', { subnet: { network_id: '00000000-0000-4000-8000-000000000000', cidr: '10.9.0.0/24', ip_version: 4 } });
    expect(res.status).toBe(404);
    expect(res.body.NeutronError.type).toBe('NetworkNotFound');
  });
});
