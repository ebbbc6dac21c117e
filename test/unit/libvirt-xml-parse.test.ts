/**
 * Reading libvirt back: domain XML as libvirtd prints it (a running guest's `virsh dumpxml`, kept as a golden
 * input), virsh's line output, libvirt states → Nova power states, and the other pure pieces of the driver.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { PowerState } from '../../activities/host/driver.ts';
import { configDriveFiles } from '../../activities/host/libvirt/config-drive.ts';
import { powerStateOf } from '../../activities/host/libvirt/power-state.ts';
import { bridgeName } from '../../activities/host/libvirt/network.ts';
import { parseDomInfo, parseNodeInfo, parseVersion, versionToInt } from '../../activities/host/libvirt/virsh.ts';
import { DomainXmlError, parseDomainXml } from '../../activities/host/libvirt/xml/parse.ts';

const GOLDEN = path.join(path.dirname(fileURLToPath(import.meta.url)), 'golden');
const DIR = '/var/lib/novaflow/instances/6e0d1f3a-52b4-4c1e-9a57-0c2b3d4e5f60';

describe('parsing libvirt domain XML', () => {
  it('reads a running guest as libvirtd prints it, ignoring what libvirt added', () => {
    const xml = fs.readFileSync(path.join(GOLDEN, 'libvirt-dumpxml-running.xml'), 'utf8');
    expect(parseDomainXml(xml)).toEqual({
      type: 'qemu',
      name: 'instance-0000abcd',
      uuid: '6e0d1f3a-52b4-4c1e-9a57-0c2b3d4e5f60',
      memoryKib: 262144,
      vcpus: 1,
      os: { type: 'hvm', arch: 'x86_64', machine: 'pc-i440fx-7.2', boot: ['hd'], kernel: `${DIR}/kernel`, initrd: `${DIR}/ramdisk`, cmdline: 'console=ttyS0 panic=-1' },
      features: ['acpi', 'apic'],
      clockOffset: 'utc',
      onPoweroff: 'destroy',
      onReboot: 'restart',
      onCrash: 'destroy',
      disks: [{ device: 'disk', source: `${DIR}/disk`, format: 'qcow2', target: { dev: 'vda', bus: 'virtio' } }],
      interfaces: [{ mac: 'fa:16:3e:00:ab:cd', bridge: 'nfbr-9f8e7d6c', model: 'virtio', targetDev: 'tapc0ffee00-12' }],
      serial: { logFile: `${DIR}/console.log`, append: true },
      graphics: { type: 'vnc', listen: '127.0.0.1' },
    });
  });

  it("tells a disk's serial (text) from the serial port (a device), and reads memory units", () => {
    const d = parseDomainXml(`<domain type='kvm'><name>x</name><uuid>u</uuid><memory unit='MiB'>256</memory><vcpu>2</vcpu>
      <devices>
        <disk type='file' device='disk'><driver name='qemu' type='raw' cache='none'/><source file='/v/1'/><target dev='vdb' bus='virtio'/><serial>vol-1</serial></disk>
        <disk type='file' device='cdrom'><source file='/c'/><target dev='hdd' bus='ide'/><readonly/></disk>
        <serial type='pty'><target port='0'/></serial>
      </devices></domain>`);
    expect(d.type).toBe('kvm');
    expect(d.memoryKib).toBe(262144);
    expect(d.vcpus).toBe(2);
    expect(d.disks).toEqual([
      { device: 'disk', source: '/v/1', format: 'raw', cache: 'none', target: { dev: 'vdb', bus: 'virtio' }, serial: 'vol-1' },
      { device: 'cdrom', source: '/c', format: 'raw', target: { dev: 'hdd', bus: 'ide' }, readonly: true },
    ]);
    expect(d.serial).toBeNull();
    expect(d.graphics).toBeNull();
  });

  it('refuses a document that is not a domain', () => {
    expect(() => parseDomainXml('<network><name>default</name></network>')).toThrow(DomainXmlError);
  });
});

describe('virsh output', () => {
  it('dominfo', () => {
    const out = `Id:             7
Name:           instance-0000abcd
UUID:           6e0d1f3a-52b4-4c1e-9a57-0c2b3d4e5f60
OS Type:        hvm
State:          shut off
CPU(s):         1
Max memory:     262144 KiB
Used memory:    262144 KiB
Persistent:     yes
Autostart:      disable
Managed save:   yes
Security model: none
Security DOI:   0
`;
    expect(parseDomInfo(out)).toEqual({ uuid: '6e0d1f3a-52b4-4c1e-9a57-0c2b3d4e5f60', name: 'instance-0000abcd', state: 'shut off', managedSave: true });
  });

  it('nodeinfo and version, in Nova’s integer version form', () => {
    expect(parseNodeInfo('CPU model:           x86_64\nCPU(s):              2\nMemory size:         11100740 KiB\n')).toEqual({ cpus: 2, memoryKib: 11100740 });
    const version = parseVersion('Compiled against library: libvirt 9.0.0\nUsing library: libvirt 9.0.0\nUsing API: QEMU 9.0.0\nRunning hypervisor: QEMU 7.2.22\n');
    expect(version).toEqual({ type: 'QEMU', version: '7.2.22' });
    expect(versionToInt(version.version)).toBe(7_002_022);
    expect(versionToInt('10.1')).toBe(10_001_000);
  });

  it('libvirt states map to Nova power states; shut off with a managed save is suspended', () => {
    expect(powerStateOf('running', false)).toBe(PowerState.RUNNING);
    expect(powerStateOf('idle', false)).toBe(PowerState.RUNNING);
    expect(powerStateOf('paused', false)).toBe(PowerState.PAUSED);
    expect(powerStateOf('in shutdown', false)).toBe(PowerState.SHUTDOWN);
    expect(powerStateOf('shut off', false)).toBe(PowerState.SHUTDOWN);
    expect(powerStateOf('shut off', true)).toBe(PowerState.SUSPENDED);
    expect(powerStateOf('crashed', false)).toBe(PowerState.CRASHED);
    expect(powerStateOf('pmsuspended', false)).toBe(PowerState.SUSPENDED);
    expect(powerStateOf('no state', false)).toBe(PowerState.NOSTATE);
  });
});

describe('host-side naming and the config drive', () => {
  it('names a network’s bridge within Linux’s 15 characters', () => {
    expect(bridgeName('9f8e7d6c-5b4a-4321-8fed-cba987654321')).toBe('nfbr-9f8e7d6c');
    expect(bridgeName('9f8e7d6c-5b4a-4321-8fed-cba987654321').length).toBeLessThanOrEqual(15);
  });

  it('writes OpenStack’s config drive layout with decoded user data', () => {
    const files = configDriveFiles({
      uuid: 'u-1', name: 'instance-00000001', vcpus: 1, memoryMb: 64, rootGb: 1, image: null, volumes: [], configDrive: true,
      interfaces: [{ portId: 'p1234567890abc', mac: 'fa:16:3e:00:00:01', ips: [], networkId: 'n' }],
      userData: Buffer.from('#!/bin/sh\necho hi\n').toString('base64'), keyData: 'ssh-ed25519 AAAA test', extraSpecs: {},
    });
    expect(Object.keys(files).sort()).toEqual(['openstack/latest/meta_data.json', 'openstack/latest/network_data.json', 'openstack/latest/user_data', 'openstack/latest/vendor_data.json']);
    expect(String(files['openstack/latest/user_data'])).toBe('#!/bin/sh\necho hi\n');
    const meta = JSON.parse(String(files['openstack/latest/meta_data.json'])) as Record<string, unknown>;
    expect(meta).toMatchObject({ uuid: 'u-1', public_keys: { default: 'ssh-ed25519 AAAA test' } });
    const net = JSON.parse(String(files['openstack/latest/network_data.json'])) as { links: unknown[] };
    expect(net.links).toEqual([{ id: 'tapp1234567890', vif_id: 'p1234567890abc', type: 'phy', ethernet_mac_address: 'fa:16:3e:00:00:01', mtu: null }]);
  });
});
