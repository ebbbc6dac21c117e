/** os-services, os-hypervisors and os-availability-zone over hosts recorded the way the host monitor records them. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { heartbeatControlService, markComputeHostDown, upsertComputeHost } from '../../activities/control/db/services.ts';
import { startTestApi, type TestApi } from '../support/api.ts';
import { tokenFor } from '../support/identity.ts';
import { computeClient } from '../support/compute-client.ts';

let api: TestApi;
let admin: string;
let member: string;

const host = (name: string, vcpus = 8) => ({
  host: name, hypervisorHostname: name, hypervisorType: 'fake', hypervisorVersion: 1000, hostIp: '127.0.0.1',
  vcpus, memoryMb: 8192, localGb: 100, driver: 'fake' as const,
});

beforeAll(async () => {
  api = await startTestApi();
  admin = (await tokenFor(api.db.pool, { project: 'ops', role: 'admin' })).token;
  member = (await tokenFor(api.db.pool, { project: 'tenant', role: 'member' })).token;
  await upsertComputeHost(api.db.pool, host('cmp-1'), new Date());
  await upsertComputeHost(api.db.pool, host('cmp-2', 4), new Date());
  await upsertComputeHost(api.db.pool, host('cmp-3'), new Date());
  await markComputeHostDown(api.db.pool, 'cmp-3');
  await heartbeatControlService(api.db.pool, 'ctl', 'nova-scheduler', 'scheduler');
});
afterAll(() => api.stop());

const call = computeClient(() => api.url);

type Svc = { id: string; host: string; binary: string; state: string; status: string; zone: string; forced_down?: boolean; disabled_reason: string | null };

describe('os-services', () => {
  it('lists compute hosts up or down and the controller in the internal zone', async () => {
    const { status, body } = await call(admin, 'GET', '/os-services', undefined, '2.53');
    expect(status).toBe(200);
    const byHost = Object.fromEntries(body.services.map((s: Svc) => [`${s.host}/${s.binary}`, s]));
    expect(byHost['cmp-1/nova-compute']).toMatchObject({ state: 'up', status: 'enabled', zone: 'nova', forced_down: false });
    expect(byHost['cmp-3/nova-compute'].state).toBe('down');
    expect(byHost['ctl/nova-scheduler']).toMatchObject({ state: 'up', zone: 'internal' });
    expect(byHost['cmp-1/nova-compute'].id).toMatch(/^[0-9a-f-]{36}$/);
    const old = await call(admin, 'GET', '/os-services?binary=nova-compute&host=cmp-2');
    expect(old.body.services).toHaveLength(1);
    expect(typeof old.body.services[0].id).toBe('number');
    expect(old.body.services[0]).not.toHaveProperty('forced_down');
  });

  it('disables with a reason, forces down, and enables again (2.53)', async () => {
    const list = (await call(admin, 'GET', '/os-services?host=cmp-2', undefined, '2.53')).body.services as Svc[];
    const id = list[0]!.id;
    const disabled = await call(admin, 'PUT', `/os-services/${id}`, { status: 'disabled', disabled_reason: 'maintenance' }, '2.53');
    expect(disabled.body.service).toMatchObject({ status: 'disabled', disabled_reason: 'maintenance', state: 'up' });
    const down = await call(admin, 'PUT', `/os-services/${id}`, { forced_down: true }, '2.53');
    expect(down.body.service).toMatchObject({ state: 'down', forced_down: true, status: 'disabled' });
    const back = await call(admin, 'PUT', `/os-services/${id}`, { status: 'enabled', forced_down: false }, '2.53');
    expect(back.body.service).toMatchObject({ state: 'up', status: 'enabled', disabled_reason: null, forced_down: false });
  });

  it('refuses bad updates and members', async () => {
    const id = ((await call(admin, 'GET', '/os-services?host=cmp-1', undefined, '2.53')).body.services as Svc[])[0]!.id;
    expect((await call(admin, 'PUT', `/os-services/${id}`, { status: 'enabled', disabled_reason: 'x' }, '2.53')).body).toEqual({
      badRequest: { code: 400, message: 'Specifying a disabled reason is not supported unless the status is disabled.' },
    });
    expect((await call(admin, 'PUT', `/os-services/${id}`, { status: 'sleeping' }, '2.53')).status).toBe(400);
    expect((await call(admin, 'PUT', '/os-services/00000000-0000-0000-0000-000000000000', { status: 'enabled' }, '2.53')).status).toBe(404);
    expect((await call(member, 'GET', '/os-services')).body).toEqual({
      forbidden: { code: 403, message: "Policy doesn't allow os_compute_api:os-services:list to be performed." },
    });
  });
});

describe('os-hypervisors', () => {
  it('lists hypervisors with state, and shows capacity before 2.88 only', async () => {
    const list = await call(admin, 'GET', '/os-hypervisors', undefined, '2.53');
    expect(list.body.hypervisors.map((h: { hypervisor_hostname: string }) => h.hypervisor_hostname)).toEqual(['cmp-1', 'cmp-2', 'cmp-3']);
    const old = (await call(admin, 'GET', '/os-hypervisors/detail', undefined, '2.1')).body.hypervisors[1];
    expect(old).toMatchObject({ hypervisor_hostname: 'cmp-2', vcpus: 4, memory_mb: 8192, memory_mb_used: 512, free_ram_mb: 7680, running_vms: 0, hypervisor_type: 'fake' });
    const modern = (await call(admin, 'GET', '/os-hypervisors/detail', undefined, '2.88')).body.hypervisors[0];
    expect(modern).toMatchObject({ hypervisor_hostname: 'cmp-1', state: 'up', host_ip: '127.0.0.1', service: { host: 'cmp-1' } });
    expect(modern).not.toHaveProperty('vcpus');
    const shown = await call(admin, 'GET', `/os-hypervisors/${modern.id}`, undefined, '2.88');
    expect(shown.body.hypervisor.hypervisor_hostname).toBe('cmp-1');
    expect((await call(admin, 'GET', '/os-hypervisors/nope', undefined, '2.88')).status).toBe(404);
    expect((await call(member, 'GET', '/os-hypervisors')).status).toBe(403);
  });

  it('filters by host name pattern', async () => {
    const res = await call(admin, 'GET', '/os-hypervisors?hypervisor_hostname_pattern=-2', undefined, '2.53');
    expect(res.body.hypervisors.map((h: { hypervisor_hostname: string }) => h.hypervisor_hostname)).toEqual(['cmp-2']);
  });
});

describe('os-availability-zone', () => {
  it('shows the nova zone to members, and hosts with services to admins', async () => {
    expect((await call(member, 'GET', '/os-availability-zone')).body).toEqual({
      availabilityZoneInfo: [{ zoneName: 'nova', zoneState: { available: true }, hosts: null }],
    });
    const detail = (await call(admin, 'GET', '/os-availability-zone/detail')).body.availabilityZoneInfo;
    expect(detail.map((z: { zoneName: string }) => z.zoneName)).toEqual(['internal', 'nova']);
    expect(detail[1].hosts['cmp-3']['nova-compute']).toMatchObject({ available: false, active: true });
    expect((await call(member, 'GET', '/os-availability-zone/detail')).status).toBe(403);
  });
});
