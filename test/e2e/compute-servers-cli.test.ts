/** The compute acceptance through the real openstack CLI, against the API with real workflows and fake hosts. */
import { generateKeyPairSync } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_SECRETS } from '../support/api.ts';
import { CliError, openstack, type CliUser } from '../support/openstack-cli.ts';
import { startTestStack, type TestStack } from '../support/stack.ts';

let stack: TestStack;
let dir: string;
const admin: CliUser = { username: 'admin', password: TEST_SECRETS.adminPassword, project: 'admin' };
const demo: CliUser = { username: 'demo', password: TEST_SECRETS.demoPassword, project: 'demo' };
const os_ = <T = unknown>(user: CliUser, ...args: string[]) => openstack<T>(stack.url, user, args);

/** An ed25519 public key in OpenSSH form, made here so the test needs no ssh-keygen. */
function openSshPublicKey(): string {
  const { publicKey } = generateKeyPairSync('ed25519');
  const raw = publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
  const field = (b: Buffer) => Buffer.concat([Buffer.from([0, 0, 0, b.length]), b]);
  return `ssh-ed25519 ${Buffer.concat([field(Buffer.from('ssh-ed25519')), field(raw)]).toString('base64')} test@novaflow`;
}

beforeAll(async () => {
  stack = await startTestStack({ reachable: true, hosts: 3 });
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'novaflow-cli-'));
});
afterAll(async () => {
  await stack?.stop();
  await fs.rm(dir, { recursive: true, force: true });
});

type Server = { id: string; name: string; status: string; addresses: Record<string, string[]> | string; 'OS-EXT-SRV-ATTR:host'?: string };

describe('openstack server commands', () => {
  it('lists flavors and imports a key pair', async () => {
    const flavors = await os_<{ Name: string }[]>(demo, 'flavor', 'list');
    expect(flavors.map((f) => f.Name)).toEqual(['m1.tiny', 'm1.small', 'm1.medium', 'm1.large', 'm1.xlarge']);
    await fs.writeFile(path.join(dir, 'k.pub'), openSshPublicKey());
    const key = await os_<{ name: string; fingerprint: string }>(demo, 'keypair', 'create', '--public-key', path.join(dir, 'k.pub'), 'k');
    expect(key.name).toBe('k');
  });

  it('creates a server and waits for ACTIVE with an address, then shows, lists and reports its events', async () => {
    const server = await os_<Server>(demo, 'server', 'create', '--image', 'cirros', '--flavor', 'm1.small', '--network', 'private', '--key-name', 'k', '--wait', 'vm-1');
    expect(server.status).toBe('ACTIVE');
    expect(JSON.stringify(server.addresses)).toMatch(/private.*10\.0\.0\.\d+/);
    const listed = await os_<{ Name: string; Status: string; Image: string; Flavor: string }[]>(demo, 'server', 'list');
    expect(listed).toEqual([expect.objectContaining({ Name: 'vm-1', Status: 'ACTIVE', Image: 'cirros', Flavor: 'm1.small' })]);
    const shown = await os_<Server & { key_name: string }>(demo, 'server', 'show', 'vm-1');
    expect(shown.key_name).toBe('k');
    const events = await os_<{ Action: string }[]>(demo, 'server', 'event', 'list', 'vm-1');
    expect(events.map((e) => e.Action)).toEqual(['create']);
    await openstack(stack.url, demo, ['server', 'delete', '--wait', 'vm-1'], false);
    expect(await os_<unknown[]>(demo, 'server', 'list')).toEqual([]);
  });

  it('spreads an anti-affinity group over three hosts, and a fourth member fails with No valid host', async () => {
    await os_(demo, 'server', 'group', 'create', '--policy', 'anti-affinity', 'spread');
    await openstack(stack.url, demo, ['server', 'create', '--image', 'cirros', '--flavor', 'm1.tiny', '--network', 'private', '--hint', 'group=' + (await os_<{ id: string }>(demo, 'server', 'group', 'show', 'spread')).id, '--min', '3', '--max', '3', '--wait', 'g'], false);
    const servers = await os_<{ ID: string; Status: string }[]>(admin, 'server', 'list', '--all-projects', '--long');
    expect(servers.filter((s) => s.Status === 'ACTIVE')).toHaveLength(3);
    const hosts = await Promise.all(servers.map(async (s) => (await os_<Server>(admin, 'server', 'show', s.ID))['OS-EXT-SRV-ATTR:host']));
    expect(new Set(hosts).size).toBe(3);
    const groupId = (await os_<{ id: string }>(demo, 'server', 'group', 'show', 'spread')).id;
    const fourth = os_(demo, 'server', 'create', '--image', 'cirros', '--flavor', 'm1.tiny', '--network', 'private', '--hint', `group=${groupId}`, '--wait', 'g-4');
    await expect(fourth).rejects.toBeInstanceOf(CliError);
    const failed = await os_<{ status: string; fault: { message: string } }>(demo, 'server', 'show', 'g-4');
    expect(failed.status).toBe('ERROR');
    expect(failed.fault.message).toMatch(/No valid host was found/);
  });

  it('sets and unsets properties and tags, stops and starts, adds and removes a volume, and lists the actions', async () => {
    const quiet = (...args: string[]) => openstack(stack.url, demo, args, false);
    await os_(demo, 'server', 'create', '--image', 'cirros', '--flavor', 'm1.tiny', '--network', 'private', '--property', 'role=web', '--wait', 'vm-2');
    await quiet('server', 'set', '--property', 'tier=front', 'vm-2');
    await quiet('server', 'unset', '--property', 'role', 'vm-2');
    await quiet('--os-compute-api-version', '2.26', 'server', 'set', '--tag', 'blue', 'vm-2');
    const shown = await os_<{ properties: Record<string, string>; tags: string[] }>(demo, '--os-compute-api-version', '2.26', 'server', 'show', 'vm-2');
    expect(shown.properties).toEqual({ tier: 'front' });
    expect(shown.tags).toEqual(['blue']);
    await quiet('server', 'stop', 'vm-2');
    for (let i = 0; i < 100 && (await os_<Server>(demo, 'server', 'show', 'vm-2')).status !== 'SHUTOFF'; i++) await new Promise((r) => setTimeout(r, 200));
    expect((await os_<Server>(demo, 'server', 'show', 'vm-2')).status).toBe('SHUTOFF');
    await expect(openstack(stack.url, demo, ['server', 'stop', 'vm-2'], false)).rejects.toThrow(/Cannot 'stop' instance .* while it is in vm_state stopped/);
    await quiet('server', 'start', 'vm-2');
    for (let i = 0; i < 100 && (await os_<Server>(demo, 'server', 'show', 'vm-2')).status !== 'ACTIVE'; i++) await new Promise((r) => setTimeout(r, 200));
    const volume = await os_<{ id: string }>(demo, 'volume', 'create', '--size', '1', 'vm-2-data');
    const volumeStatus = async () => (await os_<{ status: string }>(demo, 'volume', 'show', volume.id)).status;
    for (let i = 0; i < 100 && (await volumeStatus()) !== 'available'; i++) await new Promise((r) => setTimeout(r, 200));
    await quiet('server', 'add', 'volume', 'vm-2', volume.id);
    for (let i = 0; i < 100 && (await volumeStatus()) !== 'in-use'; i++) await new Promise((r) => setTimeout(r, 200));
    expect(await volumeStatus()).toBe('in-use');
    await quiet('server', 'remove', 'volume', 'vm-2', volume.id);
    for (let i = 0; i < 100 && (await volumeStatus()) !== 'available'; i++) await new Promise((r) => setTimeout(r, 200));
    expect(await volumeStatus()).toBe('available');
    const actions = (await os_<{ Action: string }[]>(demo, 'server', 'event', 'list', 'vm-2')).map((e) => e.Action);
    expect(actions).toEqual(expect.arrayContaining(['create', 'stop', 'start', 'attach_volume', 'detach_volume']));
    await quiet('server', 'delete', '--wait', 'vm-2');
  }, 300_000); // some twenty CLI runs of 1–3 s each on two busy cores

  it('answers the operator listings', async () => {
    expect((await os_<{ 'Hypervisor Hostname': string }[]>(admin, 'hypervisor', 'list')).map((h) => h['Hypervisor Hostname']).sort()).toEqual([...stack.hosts].sort());
    const services = await os_<{ Binary: string; State: string }[]>(admin, 'compute', 'service', 'list');
    expect(services.filter((s) => s.Binary === 'nova-compute' && s.State === 'up')).toHaveLength(3);
    expect((await os_<{ 'Zone Name': string }[]>(admin, 'availability', 'zone', 'list', '--compute')).map((z) => z['Zone Name'])).toContain('nova');
    const limits = await os_<{ Name: string; Value: number }[]>(demo, 'limits', 'show', '--absolute');
    expect(limits).toEqual(expect.arrayContaining([{ Name: 'max_total_instances', Value: 10 }, { Name: 'max_total_volumes', Value: 10 }]));
    const quota = await os_<{ Resource: string; Limit: number }[]>(demo, 'quota', 'show', '--compute');
    expect(quota).toEqual(expect.arrayContaining([{ Resource: 'instances', Limit: 10 }, { Resource: 'cores', Limit: 20 }]));
  });
});
