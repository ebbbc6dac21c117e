/**
 * The libvirt driver against a real libvirtd and QEMU (software emulation): a tiny Debian kernel + busybox guest
 * built at test time is spawned with direct kernel boot and taken through every power action, a volume hot-plug
 * and destroy. Skipped, with the reason printed, where `virsh -c qemu:///system version` does not answer
 * (infra/host-packages.sh installs and starts what it needs).
 */
import { execFileSync } from 'node:child_process';
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PowerState, type DomainSpec } from '../../activities/host/driver.ts';
import { LibvirtDriver } from '../../activities/host/libvirt/driver.ts';
import { writeVerified, type ImageFetcher } from '../../activities/host/libvirt/image-fetcher.ts';
import { bridgeName } from '../../activities/host/libvirt/network.ts';
import { parseDomainXml } from '../../activities/host/libvirt/xml/parse.ts';
import { buildGuestImage, type GuestImageSet } from '../support/guest-image.ts';

const URI = 'qemu:///system';

function libvirtUnavailable(): string | undefined {
  try {
    execFileSync('virsh', ['-c', URI, 'version'], { stdio: 'pipe', timeout: 20_000 });
    return undefined;
  } catch (err) {
    return `virsh -c ${URI} version failed (${(err as Error).message.split('\n')[0]}); run infra/host-packages.sh as root to install and start libvirt`;
  }
}

const unavailable = libvirtUnavailable();
if (unavailable) console.warn(`SKIPPING the real libvirt driver test: ${unavailable}`);

const virsh = (...args: string[]) => execFileSync('virsh', ['-c', URI, ...args], { encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' } }).trim();
const domstate = (uuid: string) => virsh('domstate', uuid);
const log = (msg: string) => console.log(`[libvirt-test] ${msg}`);

/** Serves the image set from local files, checking each against its sha512 as the HTTP fetcher does. */
function localFetcher(files: Record<string, string>): ImageFetcher {
  return {
    async fetch(image, destination) {
      const file = files[image.id];
      if (!file) throw new Error(`no local image ${image.id}`);
      await writeVerified(createReadStream(file), destination, image.hash, `image ${image.id}`);
    },
  };
}

describe.skipIf(unavailable !== undefined)('the libvirt driver on a real libvirtd', () => {
  const uuid = '6e0d1f3a-52b4-4c1e-9a57-0c2b3d4e5f60';
  const networkId = '9f8e7d6c-5b4a-4321-8fed-cba987654321';
  const volumeId = '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';
  let img: GuestImageSet;
  let root: string;
  let driver: LibvirtDriver;
  let volumeFile: string;
  let t0 = 0;

  const consoleHas = async (text: string, count = 1, timeoutMs = 180_000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const out = await driver.consoleOutput(uuid);
      if (out.split(text).length - 1 >= count) return out;
      if (Date.now() > deadline) throw new Error(`console never showed ${JSON.stringify(text)} x${count}; last output:\n${out.slice(-2000)}`);
      await sleep(1000);
    }
  };

  beforeAll(async () => {
    const started = Date.now();
    img = await buildGuestImage();
    log(`guest image set (kernel ${img.kernelVersion}) ready in ${Date.now() - started} ms at ${img.dir}`);
    root = path.join('/var/tmp', `novaflow-libvirt-test-${process.pid}`);
    await fs.mkdir(root, { recursive: true, mode: 0o755 });
    await fs.chmod(root, 0o755); // QEMU runs as another user and must reach the disks
    volumeFile = path.join(root, 'volume.raw');
    await fs.writeFile(volumeFile, '');
    await fs.truncate(volumeFile, 16 * 1024 * 1024);
    driver = new LibvirtDriver({
      host: 'libvirt-test',
      uri: URI,
      instancesPath: path.join(root, 'instances'),
      imageFetcher: localFetcher({ 'disk-image': img.disk, 'kernel-image': img.kernel, 'ramdisk-image': img.initramfs }),
      shutdownTimeoutSeconds: 30,
      detachTimeoutSeconds: 60,
    });
  }, 600_000);

  afterAll(async () => {
    if (!driver) return;
    await driver.destroy(uuid).catch(() => undefined);
    await fs.rm(root, { recursive: true, force: true });
    try {
      execFileSync('ip', ['link', 'del', 'dev', bridgeName(networkId)], { stdio: 'pipe' });
    } catch {
      // never created
    }
  }, 120_000);

  const spec = (): DomainSpec => ({
    uuid,
    name: 'instance-0000abcd',
    vcpus: 1,
    memoryMb: 256,
    rootGb: 1,
    image: {
      id: 'disk-image',
      diskFormat: 'qcow2',
      hash: img.sha512.disk,
      properties: { kernel_id: 'kernel-image', ramdisk_id: 'ramdisk-image', os_command_line: img.cmdline },
    },
    volumes: [],
    configDrive: true,
    interfaces: [{ portId: 'c0ffee00-1234-4321-8888-000000000001', mac: 'fa:16:3e:00:ab:cd', ips: ['10.0.0.5'], networkId }],
    userData: Buffer.from('#!/bin/sh\necho hello\n').toString('base64'),
    keyData: null,
    extraSpecs: {},
  });

  it('reports the host from libvirt', async () => {
    const info = await driver.hostInfo();
    log(`hostInfo: ${JSON.stringify(info)}`);
    expect(info.driver).toBe('libvirt');
    expect(info.hypervisorType).toBe('QEMU');
    expect(info.hypervisorVersion).toBeGreaterThan(1_000_000);
    expect(info.vcpus).toBeGreaterThan(0);
    expect(info.memoryMb).toBeGreaterThan(0);
  });

  it('spawns a guest with direct kernel boot whose kernel reaches the marker on the serial console', async () => {
    await driver.fetchImage(spec().image!);
    await driver.fetchImage(spec().image!); // cached: no second download
    t0 = Date.now();
    expect((await driver.define(spec())).powerState).toBe(PowerState.SHUTDOWN);
    expect((await driver.define(spec())).powerState).toBe(PowerState.SHUTDOWN); // idempotent
    const defined = parseDomainXml(virsh('dumpxml', uuid));
    expect(defined.os.kernel).toBe(driver.paths(uuid).kernel);
    expect(defined.os.cmdline).toBe(img.cmdline);
    expect(defined.disks.find((d) => d.device === 'cdrom')).toEqual({ device: 'cdrom', source: driver.paths(uuid).configDrive, format: 'raw', target: { dev: 'hdd', bus: 'ide' }, readonly: true });
    expect(defined.interfaces).toEqual([{ mac: 'fa:16:3e:00:ab:cd', bridge: bridgeName(networkId), model: 'virtio', targetDev: 'tapc0ffee00-12' }]);
    const overlay = driver.paths(uuid).rootDisk;
    const info = JSON.parse(execFileSync('qemu-img', ['info', '--output=json', '-U', overlay], { encoding: 'utf8' })) as Record<string, unknown>;
    expect(info.format).toBe('qcow2');
    expect(String(info['backing-filename'])).toBe(path.join(root, 'instances', '_base', 'disk-image'));
    expect((await driver.start(uuid)).powerState).toBe(PowerState.RUNNING);
    expect(domstate(uuid)).toBe('running');
    await consoleHas(img.marker);
    const out = await consoleHas('NOVAFLOW-GUEST disks:'); // printed just after the marker
    log(`boot: marker seen ${Date.now() - t0} ms after define; console: ${out.split('\n').filter((l) => l.includes('NOVAFLOW')).join(' | ')}`);
    expect(out).toMatch(/disks: .*vda/);
    expect(await driver.consoleOutput(uuid, 1)).toMatch(/^[^\n]*\n$/);
    expect(await driver.listDomains()).toContainEqual({ uuid, name: 'instance-0000abcd', powerState: PowerState.RUNNING });
  }, 300_000);

  it('powers off (cleanly, through ACPI) and on', async () => {
    let t = Date.now();
    expect((await driver.powerOff(uuid)).powerState).toBe(PowerState.SHUTDOWN);
    log(`powerOff took ${Date.now() - t} ms`);
    expect(domstate(uuid)).toBe('shut off');
    expect((await driver.powerOff(uuid)).powerState).toBe(PowerState.SHUTDOWN);
    t = Date.now();
    expect((await driver.powerOn(uuid)).powerState).toBe(PowerState.RUNNING);
    expect(domstate(uuid)).toBe('running');
    await consoleHas(img.marker, 2);
    log(`powerOn: marker seen again ${Date.now() - t} ms after start`);
  }, 300_000);

  it('reboots hard', async () => {
    const t = Date.now();
    expect((await driver.reboot(uuid, 'HARD')).powerState).toBe(PowerState.RUNNING);
    expect(domstate(uuid)).toBe('running');
    await consoleHas(img.marker, 3);
    log(`reboot HARD: marker seen again ${Date.now() - t} ms after reboot`);
  }, 300_000);

  it('pauses and unpauses', async () => {
    expect((await driver.pause(uuid)).powerState).toBe(PowerState.PAUSED);
    expect(domstate(uuid)).toBe('paused');
    expect((await driver.pause(uuid)).powerState).toBe(PowerState.PAUSED);
    expect((await driver.unpause(uuid)).powerState).toBe(PowerState.RUNNING);
    expect(domstate(uuid)).toBe('running');
  }, 120_000);

  it('suspends to a managed save and resumes from it', async () => {
    let t = Date.now();
    expect((await driver.suspend(uuid)).powerState).toBe(PowerState.SUSPENDED);
    log(`suspend (managed save) took ${Date.now() - t} ms`);
    expect(domstate(uuid)).toBe('shut off');
    expect(virsh('dominfo', uuid)).toMatch(/Managed save:\s+yes/);
    expect((await driver.domainState(uuid))?.powerState).toBe(PowerState.SUSPENDED);
    t = Date.now();
    expect((await driver.resume(uuid)).powerState).toBe(PowerState.RUNNING);
    log(`resume took ${Date.now() - t} ms`);
    expect(domstate(uuid)).toBe('running');
    expect(virsh('dominfo', uuid)).toMatch(/Managed save:\s+no/);
  }, 300_000);

  it('hot-plugs a file-backed volume the guest kernel sees as vdb, and unplugs it', async () => {
    const disk = { volumeId, attachmentId: 'att-1', device: 'vdb', bootIndex: null, connection: { driver_volume_type: 'file', data: { device_path: volumeFile } } };
    await driver.attachVolume(uuid, disk);
    await driver.attachVolume(uuid, disk); // already attached: success
    expect(parseDomainXml(virsh('dumpxml', uuid)).disks).toContainEqual({ device: 'disk', source: volumeFile, format: 'raw', target: { dev: 'vdb', bus: 'virtio' }, serial: volumeId });
    expect(virsh('dumpxml', '--inactive', uuid)).toContain(volumeFile);
    const out = await consoleHas('[vdb]', 1, 120_000);
    log(`guest kernel: ${out.split('\n').find((l) => l.includes('[vdb]'))?.trim()}`);
    await driver.detachVolume(uuid, volumeId);
    await driver.detachVolume(uuid, volumeId); // not attached: success
    expect(virsh('dumpxml', uuid)).not.toContain(volumeFile);
    expect(virsh('dumpxml', '--inactive', uuid)).not.toContain(volumeFile);
  }, 300_000);

  it('destroys the guest: domain undefined, overlay and console log removed; again is no error', async () => {
    await driver.suspend(uuid); // with a managed save present, to show undefine removes it
    const paths = driver.paths(uuid);
    await driver.destroy(uuid);
    expect(() => virsh('dominfo', uuid)).toThrow();
    expect(await driver.domainState(uuid)).toBeUndefined();
    await expect(fs.stat(paths.rootDisk)).rejects.toThrow();
    await expect(fs.stat(paths.consoleLog)).rejects.toThrow();
    await driver.destroy(uuid);
    await expect(driver.powerOn(uuid)).rejects.toThrow(/could not be found/);
    // the cached base image stays for the next guest
    await fs.stat(path.join(root, 'instances', '_base', 'disk-image'));
    log(`whole lifecycle took ${Date.now() - t0} ms`);
  }, 120_000);
});
