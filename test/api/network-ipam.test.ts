import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPort, deletePort, deletePortsOfDevice, getPort, listPorts, updatePort } from '../../activities/services/network/ports.ts';
import { startTestApi, type TestApi } from '../support/api.ts';
import { tokenFor, type TestCredentials } from '../support/identity.ts';

let api: TestApi;
let member: TestCredentials;
beforeAll(async () => {
  api = await startTestApi();
  member = await tokenFor(api.db.pool, { project: 'ipam', role: 'member' });
});
afterAll(() => api.stop());

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

async function call(method: string, path: string, body?: unknown): Promise<{ status: number; body: Json }> {
  const res = await fetch(`${api.url}/network/v2.0${path}`, {
    method,
    headers: { 'X-Auth-Token': member.token, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Json) : {} };
}

async function networkWithSubnet(name: string, cidr: string): Promise<{ networkId: string; subnetId: string }> {
  const networkId = (await call('POST', '/networks', { network: { name } })).body.network.id as string;
  const subnet = await call('POST', '/subnets', { subnet: { network_id: networkId, cidr, ip_version: 4 } });
  expect(subnet.status).toBe(201);
  return { networkId, subnetId: subnet.body.subnet.id as string };
}

const lastOctet = (ip: string) => Number(ip.split('.')[3]);

describe('IPAM under concurrency', () => {
  it('hands out 200 distinct addresses of the pool to 200 concurrent port creates on a /24', async () => {
    const { networkId, subnetId } = await networkWithSubnet('busy', '10.50.0.0/24');
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) => call('POST', '/ports', { port: { network_id: networkId, name: `p${i}` } })),
    );
    expect(results.map((r) => r.status)).toEqual(Array(200).fill(201));
    const ips = results.map((r) => r.body.port.fixed_ips[0].ip_address as string);
    expect(new Set(ips).size).toBe(200);
    for (const ip of ips) {
      expect(ip.startsWith('10.50.0.')).toBe(true);
      expect(lastOctet(ip)).toBeGreaterThanOrEqual(2);
      expect(lastOctet(ip)).toBeLessThanOrEqual(254);
    }
    expect(new Set(results.map((r) => r.body.port.mac_address)).size).toBe(200);
    expect(results.every((r) => r.body.port.fixed_ips[0].subnet_id === subnetId)).toBe(true);
    const listed = await call('GET', `/ports?network_id=${networkId}`);
    expect(listed.body.ports).toHaveLength(200);
  });

  it('answers IpAddressGenerationFailure once the pool is exhausted, and reuses a freed address', async () => {
    const { networkId } = await networkWithSubnet('small', '10.51.0.0/28'); // pool .2-.14: 13 addresses
    const results = await Promise.all(Array.from({ length: 20 }, () => call('POST', '/ports', { port: { network_id: networkId } })));
    const created = results.filter((r) => r.status === 201);
    const refused = results.filter((r) => r.status !== 201);
    expect(created).toHaveLength(13);
    expect(new Set(created.map((r) => r.body.port.fixed_ips[0].ip_address)).size).toBe(13);
    for (const r of refused) {
      expect(r.status).toBe(409);
      expect(r.body.NeutronError).toEqual({
        type: 'IpAddressGenerationFailure',
        message: `No more IP addresses available on network ${networkId}.`,
        detail: '',
      });
    }
    const victim = created.find((r) => r.body.port.fixed_ips[0].ip_address === '10.51.0.7')!;
    expect((await call('DELETE', `/ports/${victim.body.port.id}`)).status).toBe(204);
    const again = await call('POST', '/ports', { port: { network_id: networkId } });
    expect(again.status).toBe(201);
    expect(again.body.port.fixed_ips).toEqual([{ subnet_id: victim.body.port.fixed_ips[0].subnet_id, ip_address: '10.51.0.7' }]);
  });
});

describe('requested addresses and MACs', () => {
  let networkId: string;
  let subnetId: string;
  beforeAll(async () => {
    ({ networkId, subnetId } = await networkWithSubnet('fixed', '10.52.0.0/24'));
  });

  it('gives a requested address inside the subnet, once', async () => {
    const port = await call('POST', '/ports', { port: { network_id: networkId, fixed_ips: [{ ip_address: '10.52.0.100' }] } });
    expect(port.status).toBe(201);
    expect(port.body.port.fixed_ips).toEqual([{ subnet_id: subnetId, ip_address: '10.52.0.100' }]);
    const twice = await call('POST', '/ports', { port: { network_id: networkId, fixed_ips: [{ subnet_id: subnetId, ip_address: '10.52.0.100' }] } });
    expect(twice.status).toBe(409);
    expect(twice.body.NeutronError).toMatchObject({ type: 'IpAddressAlreadyAllocated', message: `IP address 10.52.0.100 already allocated in subnet ${subnetId}` });
    const found = await call('GET', '/ports?fixed_ips=ip_address%3D10.52.0.100');
    expect(found.body.ports.map((p: Json) => p.id)).toEqual([port.body.port.id]);
  });

  it.each([
    [{ ip_address: '10.99.0.5' }, 400, 'InvalidIpForNetwork'],
    [{ ip_address: '10.52.0.255' }, 400, 'InvalidIpForNetwork'],
    [{ ip_address: '10.52.0.1' }, 409, 'IpAddressAlreadyAllocated'],
    [{ ip_address: 'ten' }, 400, 'HTTPBadRequest'],
    [{ subnet_id: 'SUBNET', ip_address: '10.52.1.5' }, 400, 'InvalidIpForSubnet'],
  ])('refuses fixed ip %j', async (fixedIp, status, type) => {
    const entry = { ...fixedIp, ...('subnet_id' in fixedIp ? { subnet_id: subnetId } : {}) };
    const res = await call('POST', '/ports', { port: { network_id: networkId, fixed_ips: [entry] } });
    expect(res.status).toBe(status);
    expect(res.body.NeutronError.type).toBe(type);
  });

  it('makes fa:16:3e MACs and refuses a MAC already on the network', async () => {
    const a = await call('POST', '/ports', { port: { network_id: networkId } });
    expect(a.body.port.mac_address).toMatch(/^fa:16:3e(:[0-9a-f]{2}){3}$/);
    const b = await call('POST', '/ports', { port: { network_id: networkId, mac_address: a.body.port.mac_address } });
    expect(b.status).toBe(409);
    expect(b.body.NeutronError).toMatchObject({
      type: 'MacAddressInUse',
      message: `Unable to complete operation for network ${networkId}. The mac address ${a.body.port.mac_address} is in use.`,
    });
  });

  it('moves a port to another address on update and frees the old one', async () => {
    const port = (await call('POST', '/ports', { port: { network_id: networkId, fixed_ips: [{ ip_address: '10.52.0.150' }] } })).body.port;
    const moved = await call('PUT', `/ports/${port.id}`, { port: { fixed_ips: [{ ip_address: '10.52.0.151' }] } });
    expect(moved.status).toBe(200);
    expect(moved.body.port.fixed_ips).toEqual([{ subnet_id: subnetId, ip_address: '10.52.0.151' }]);
    const reuse = await call('POST', '/ports', { port: { network_id: networkId, fixed_ips: [{ ip_address: '10.52.0.150' }] } });
    expect(reuse.status).toBe(201);
  });

  it('keeps networks and subnets with ports in use', async () => {
    const net = await call('DELETE', `/networks/${networkId}`);
    expect(net.status).toBe(409);
    expect(net.body.NeutronError.type).toBe('NetworkInUse');
    const sub = await call('DELETE', `/subnets/${subnetId}`);
    expect(sub.status).toBe(409);
    expect(sub.body.NeutronError.type).toBe('SubnetInUse');
  });
});

describe('dual stack', () => {
  it('gives a port one address per family, the lowest free in each', async () => {
    const { networkId, subnetId } = await networkWithSubnet('dual', '10.54.0.0/24');
    const v6 = await call('POST', '/subnets', { subnet: { network_id: networkId, cidr: 'fd00:54::/64', ip_version: 6 } });
    const port = await call('POST', '/ports', { port: { network_id: networkId } });
    expect(port.body.port.fixed_ips).toEqual([
      { subnet_id: subnetId, ip_address: '10.54.0.2' },
      { subnet_id: v6.body.subnet.id, ip_address: 'fd00:54::2' },
    ]);
    const v6only = await call('POST', '/ports', { port: { network_id: networkId, fixed_ips: [{ subnet_id: v6.body.subnet.id }] } });
    expect(v6only.body.port.fixed_ips).toEqual([{ subnet_id: v6.body.subnet.id, ip_address: 'fd00:54::3' }]);
  });
});

describe('port data layer for compute', () => {
  it('creates idempotently by id, binds, and deletes idempotently', async () => {
    const { networkId } = await networkWithSubnet('compute', '10.53.0.0/24');
    const id = '6f1b2c3d-4e5f-4a6b-8c7d-0123456789ab';
    const input = { id, projectId: member.projectId, networkId, deviceId: 'server-1', deviceOwner: 'compute:nova' };
    const [a, b] = await Promise.all([createPort(api.db.pool, input), createPort(api.db.pool, input)]);
    expect(a.id).toBe(id);
    expect(b.fixed_ips).toEqual(a.fixed_ips);
    expect(a.security_groups).toHaveLength(1);
    const bound = await updatePort(api.db.pool, id, { hostId: 'host-a' });
    expect(bound.binding_host_id).toBe('host-a');
    const shown = await call('GET', `/ports/${id}`);
    expect(shown.body.port.status).toBe('ACTIVE');
    expect(shown.body.port).not.toHaveProperty('binding:host_id');
    expect(await deletePort(api.db.pool, id)).toBe(true);
    expect(await deletePort(api.db.pool, id)).toBe(false);
    expect(await getPort(api.db.pool, id)).toBeUndefined();
  });

  it('removes every port of a device at once', async () => {
    const { networkId } = await networkWithSubnet('device', '10.55.0.0/24');
    for (let i = 0; i < 3; i++) await createPort(api.db.pool, { projectId: member.projectId, networkId, deviceId: 'server-2' });
    expect(await listPorts(api.db.pool, { all: true }, { deviceId: 'server-2' })).toHaveLength(3);
    expect(await deletePortsOfDevice(api.db.pool, 'server-2')).toBe(3);
    expect(await deletePortsOfDevice(api.db.pool, 'server-2')).toBe(0);
  });
});
