/**
 * A real virtual machine through the real openstack CLI: a tiny guest (Debian's kernel, a busybox initramfs)
 * uploaded to the image service, booted on a libvirt host (QEMU, software emulation) with a volume attached at
 * boot, taken through the power actions and deleted — checked with `virsh` and the guest's own console log.
 * Skipped, saying why, where libvirt is not running (CI installs and starts it: infra/host-packages.sh).
 */
import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bridgeName } from '../../activities/host/libvirt/network.ts';
import { buildGuestImage, GUEST_MARKER, type GuestImageSet } from '../support/guest-image.ts';
import { TEST_SECRETS } from '../support/api.ts';
import { openstack, type CliUser } from '../support/openstack-cli.ts';
import { startTestStack, type TestStack } from '../support/stack.ts';

const run = promisify(execFile);
type Row = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function libvirtMissing(): string | undefined {
  if (process.getuid?.() !== 0) return 'not root';
  try {
    execFileSync('virsh', ['-c', 'qemu:///system', 'version'], { stdio: 'ignore', timeout: 20_000 });
    return undefined;
  } catch {
    return 'virsh cannot reach qemu:///system (run infra/host-packages.sh)';
  }
}
const missing = libvirtMissing();
if (missing) console.warn(`libvirt end-to-end test skipped: ${missing}`);

const virsh = async (...args: string[]) => (await run('virsh', ['-c', 'qemu:///system', ...args], { timeout: 60_000 })).stdout;
const admin: CliUser = { username: 'admin', password: TEST_SECRETS.adminPassword, project: 'admin' };
const demo: CliUser = { username: 'demo', password: TEST_SECRETS.demoPassword, project: 'demo' };

let stack: TestStack;
let guest: GuestImageSet;
let instancesPath: string;
let serverId: string;
let domain: string;
let volumeId: string;
const host = `lv-${process.pid}`;

const cli = <T = Row>(user: CliUser, ...args: string[]) => openstack<T>(stack.url, user, args);
const quiet = (user: CliUser, ...args: string[]) => openstack(stack.url, user, args, false);

async function until<T>(probe: () => Promise<T>, ok: (v: T) => boolean, what: string, timeoutMs = 240_000): Promise<T> {
  const t0 = Date.now();
  let last: T | undefined;
  while (Date.now() - t0 < timeoutMs) {
    last = await probe();
    if (ok(last)) return last;
    await sleep(1000);
  }
  throw new Error(`timed out waiting for ${what}; last seen: ${JSON.stringify(last)}`);
}

const status = async () => (await cli(demo, 'server', 'show', serverId)).status as string;
const domstate = async () => (await virsh('domstate', domain)).trim();

describe.skipIf(missing !== undefined)('a real guest on a libvirt host, through the openstack CLI', () => {
  beforeAll(async () => {
    guest = await buildGuestImage();
    // QEMU runs as libvirt-qemu: every directory above the instances must be searchable by others.
    instancesPath = fs.mkdtempSync('/var/tmp/novaflow-instances-');
    fs.chmodSync(instancesPath, 0o755);
    stack = await startTestStack({ hosts: 0, reachable: true, libvirt: { host, instancesPath }, moves: { allowResizeToSameHost: true, resizeConfirmWindowSeconds: 0 } });
    await quiet(admin, 'flavor', 'create', '--ram', '256', '--disk', '1', '--vcpus', '1', 'lv.tiny');
    await quiet(admin, 'flavor', 'create', '--ram', '384', '--disk', '2', '--vcpus', '2', 'lv.small');
    const kernel = await cli(admin, 'image', 'create', '--public', '--disk-format', 'aki', '--container-format', 'aki', '--file', guest.kernel, 'guest-kernel');
    const ramdisk = await cli(admin, 'image', 'create', '--public', '--disk-format', 'ari', '--container-format', 'ari', '--file', guest.initramfs, 'guest-ramdisk');
    await cli(admin, 'image', 'create', '--public', '--disk-format', 'qcow2', '--container-format', 'bare', '--file', guest.disk,
      '--property', `kernel_id=${kernel.id}`, '--property', `ramdisk_id=${ramdisk.id}`, '--property', `os_command_line=${guest.cmdline}`, 'guest');
    volumeId = (await cli(demo, 'volume', 'create', '--size', '1', 'lv-data')).id;
    await until(async () => (await cli(demo, 'volume', 'show', volumeId)).status, (s) => s === 'available', 'the volume');
  }, 900_000);

  afterAll(async () => {
    if (domain) await virsh('destroy', domain).catch(() => undefined);
    if (domain) await virsh('undefine', domain, '--managed-save').catch(() => undefined);
    // The host bridge of this test's network (a fresh network each run) goes too.
    const net = await stack?.db.pool.query<{ id: string }>(`SELECT id::text FROM networks WHERE name = 'private'`).catch(() => undefined);
    if (net?.rows[0]) await run('ip', ['link', 'del', bridgeName(net.rows[0].id)]).catch(() => undefined);
    await stack?.stop();
    if (instancesPath) fs.rmSync(instancesPath, { recursive: true, force: true });
  });

  it('boots: ACTIVE with an address, the domain running, the marker on the console', async () => {
    const server = await cli(demo, 'server', 'create', '--image', 'guest', '--flavor', 'lv.tiny', '--network', 'private',
      '--block-device', `uuid=${volumeId},source_type=volume,destination_type=volume,boot_index=-1,delete_on_termination=false`, '--wait', 'lv-guest',
    ).catch(async (err: Error) => {
      // Say why: the fault and the build's action events, as an operator would look them up.
      const why = await stack.db.pool.query(
        `SELECT i.fault, json_agg(e.traceback) AS tracebacks FROM instances i JOIN instance_actions a ON a.instance_uuid = i.uuid
           LEFT JOIN instance_action_events e ON e.action_id = a.id WHERE i.name = 'lv-guest' GROUP BY i.fault`,
      );
      throw new Error(`${err.message}\n${JSON.stringify(why.rows, null, 2)}`);
    });
    serverId = server.id;
    expect(server.status).toBe('ACTIVE');
    expect(JSON.stringify(server.addresses)).toMatch(/10\.0\.0\.\d+/);
    domain = (await cli(admin, 'server', 'show', serverId))['OS-EXT-SRV-ATTR:instance_name'];
    expect(await virsh('list', '--name')).toContain(domain);
    const log = await until(() => quiet(demo, 'console', 'log', 'show', serverId) as Promise<string>, (out) => out.includes(GUEST_MARKER) && out.includes('NOVAFLOW-GUEST disks:'), 'the guest marker and its disk line');
    expect(log).toContain(GUEST_MARKER);
  }, 600_000);

  it('has the volume attached at boot as a disk, seen by the guest kernel', async () => {
    const xml = await virsh('dumpxml', domain);
    expect(xml).toContain(volumeId);
    expect(xml).toMatch(/<target dev=["']vdb["']/);
    const log = (await quiet(demo, 'console', 'log', 'show', serverId)) as string;
    expect(log).toMatch(/virtio_blk \S+: \[vdb\]/); // the guest kernel's own line for the new disk
    expect(log).toMatch(/disks:.*vdb/);
    expect((await cli(demo, 'volume', 'show', volumeId)).status).toBe('in-use');
  });

  it('stops and starts', async () => {
    await quiet(demo, 'server', 'stop', serverId);
    await until(status, (s) => s === 'SHUTOFF', 'SHUTOFF');
    expect(await domstate()).toBe('shut off');
    await quiet(demo, 'server', 'start', serverId);
    await until(status, (s) => s === 'ACTIVE', 'ACTIVE');
    expect(await domstate()).toBe('running');
  }, 300_000);

  it('reboots hard, pauses and unpauses', async () => {
    await quiet(demo, 'server', 'reboot', '--hard', '--wait', serverId);
    expect(await status()).toBe('ACTIVE');
    expect(await domstate()).toBe('running');
    await quiet(demo, 'server', 'pause', serverId);
    await until(status, (s) => s === 'PAUSED', 'PAUSED');
    expect(await domstate()).toBe('paused');
    await quiet(demo, 'server', 'unpause', serverId);
    await until(status, (s) => s === 'ACTIVE', 'ACTIVE');
  }, 300_000);

  it('suspends to a managed save and resumes', async () => {
    await quiet(demo, 'server', 'suspend', serverId);
    await until(status, (s) => s === 'SUSPENDED', 'SUSPENDED');
    expect(await virsh('dominfo', domain)).toMatch(/Managed save:\s+yes/);
    await quiet(demo, 'server', 'resume', serverId);
    await until(status, (s) => s === 'ACTIVE', 'ACTIVE');
    expect(await domstate()).toBe('running');
  }, 300_000);

  it('resizes to a bigger flavor on its one host: the domain gets the new memory and vcpus; confirm keeps it', async () => {
    const before = await virsh('dominfo', domain);
    expect(before).toMatch(/Max memory:\s+262144 KiB/);
    expect(before).toMatch(/CPU\(s\):\s+1\n/);
    await quiet(demo, 'server', 'resize', '--flavor', 'lv.small', '--wait', serverId);
    expect(await status()).toBe('VERIFY_RESIZE');
    const after = await virsh('dominfo', domain);
    expect(after).toMatch(/Max memory:\s+393216 KiB/);
    expect(after).toMatch(/CPU\(s\):\s+2\n/);
    expect(after).toMatch(/State:\s+running/);
    await quiet(demo, 'server', 'resize', 'confirm', serverId);
    await until(status, (s) => s === 'ACTIVE', 'ACTIVE');
    expect(await domstate()).toBe('running');
    const claims = await stack.db.pool.query('SELECT vcpus, memory_mb, disk_gb FROM allocations WHERE consumer_id = $1', [serverId]);
    expect(claims.rows).toEqual([{ vcpus: 2, memory_mb: 384, disk_gb: 2 }]);
  }, 600_000);

  it('deletes: domain undefined, overlay removed, port and claim released, volume available', async () => {
    await quiet(demo, 'server', 'delete', '--wait', serverId);
    await expect(virsh('dominfo', domain)).rejects.toThrow();
    expect(fs.existsSync(path.join(instancesPath, serverId))).toBe(false);
    expect(await cli(demo, 'port', 'list', '--device-id', serverId)).toEqual([]);
    const claims = await stack.db.pool.query('SELECT 1 FROM allocations WHERE consumer_id = $1', [serverId]);
    expect(claims.rowCount).toBe(0);
    expect((await cli(demo, 'volume', 'show', volumeId)).status).toBe('available');
    domain = '';
  }, 300_000);
});
