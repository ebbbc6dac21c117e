/** Whatever the body, the network API answers a 2xx or a Neutron 4xx with a message — never a 500. */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../support/api.ts';
import { tokenFor, type TestCredentials } from '../support/identity.ts';

let api: TestApi;
let member: TestCredentials;
beforeAll(async () => {
  api = await startTestApi();
  member = await tokenFor(api.db.pool, { project: 'fuzz', role: 'member' });
});
afterAll(() => api.stop());

const WEIRD: unknown[] = [null, 1, 'x', [], [1], {}, { a: null }, true, -1, 1e300, '', '::', '10.0.0.0/33', [{}], [null], { start: 1 }];

async function send(method: string, path: string, body?: unknown) {
  const res = await fetch(`${api.url}/network/v2.0${path}`, {
    method,
    headers: { 'X-Auth-Token': member.token, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, { type: string; message: string }>) : {} };
}

it('answers odd values in every attribute with a 4xx naming the problem', async () => {
  const net = (await send('POST', '/networks', { network: { name: 'f' } })).body.network as unknown as { id: string };
  const sub = (await send('POST', '/subnets', { subnet: { network_id: net.id, cidr: '10.9.0.0/24', ip_version: 4 } })).body.subnet as unknown as { id: string };
  const port = (await send('POST', '/ports', { port: { network_id: net.id } })).body.port as unknown as { id: string };
  const cidr = '10.8.0.0/24';
  const cases: [string, string, (w: unknown) => unknown][] = [
    ['POST', '/networks', (w) => w],
    ['POST', '/networks', (w) => ({ network: w })],
    ['POST', '/networks', (w) => ({ network: { name: w, mtu: w } })],
    ['PUT', `/networks/${net.id}`, (w) => ({ network: w })],
    ['PUT', `/networks/${net.id}/tags`, (w) => ({ tags: w })],
    ['POST', '/subnets', (w) => ({ subnet: { network_id: net.id, cidr: w, ip_version: 4 } })],
    ['POST', '/subnets', (w) => ({ subnet: { network_id: w, cidr, ip_version: w } })],
    ['POST', '/subnets', (w) => ({ subnet: { network_id: net.id, cidr, gateway_ip: w } })],
    ['POST', '/subnets', (w) => ({ subnet: { network_id: net.id, cidr, allocation_pools: w } })],
    ['POST', '/subnets', (w) => ({ subnet: { network_id: net.id, cidr, allocation_pools: [{ start: w, end: w }] } })],
    ['POST', '/subnets', (w) => ({ subnet: { network_id: net.id, cidr, dns_nameservers: w, host_routes: w } })],
    ['POST', '/subnets', (w) => ({ subnet: { network_id: net.id, cidr, host_routes: [{ destination: w, nexthop: w }] } })],
    ['PUT', `/subnets/${sub.id}`, (w) => ({ subnet: { gateway_ip: w } })],
    ['PUT', `/subnets/${sub.id}`, (w) => ({ subnet: { allocation_pools: w } })],
    ['POST', '/ports', (w) => ({ port: { network_id: w } })],
    ['POST', '/ports', (w) => ({ port: { network_id: net.id, fixed_ips: w } })],
    ['POST', '/ports', (w) => ({ port: { network_id: net.id, fixed_ips: [{ subnet_id: w, ip_address: w }] } })],
    ['POST', '/ports', (w) => ({ port: { network_id: net.id, mac_address: w } })],
    ['POST', '/ports', (w) => ({ port: { network_id: net.id, security_groups: w, 'binding:profile': w } })],
    ['PUT', `/ports/${port.id}`, (w) => ({ port: { fixed_ips: w, device_id: w } })],
    ['PUT', `/ports/${port.id}`, (w) => ({ port: { security_groups: w } })],
    ['POST', '/security-groups', (w) => ({ security_group: { name: w } })],
    ['POST', '/security-group-rules', (w) => ({ security_group_rule: { security_group_id: w, direction: 'ingress' } })],
    ['POST', '/security-group-rules', (w) => ({ security_group_rule: { security_group_id: 'x', direction: w, protocol: w } })],
  ];
  const failures: string[] = [];
  for (const [method, path, make] of cases) {
    for (const weird of WEIRD) {
      const res = await send(method, path, make(weird));
      const fault = res.body.NeutronError;
      if (res.status >= 500 || (res.status >= 400 && !(fault?.type && fault.message))) {
        failures.push(`${res.status} ${method} ${path} ${JSON.stringify(make(weird))} ${JSON.stringify(res.body)}`);
      }
    }
  }
  expect(failures).toEqual([]);
});

it('answers odd list queries with a 4xx or an empty answer', async () => {
  for (const query of ['networks?limit=-1', 'networks?sort_key=x', 'ports?fixed_ips=foo', 'networks?sort_key=name&sort_dir=up']) {
    const res = await send('GET', `/${query}`);
    expect(res.status, query).toBe(400);
    expect(res.body.NeutronError?.message, query).toEqual(expect.any(String));
  }
  for (const query of ['networks?id=x', 'ports?network_id=zz', 'subnets?network_id=zz', 'security-groups?id=zz']) {
    const res = await send('GET', `/${query}`);
    expect(res.status, query).toBe(200);
    expect(Object.values(res.body)[0], query).toEqual([]);
  }
});
