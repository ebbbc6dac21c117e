/**
 * Domain XML of the libvirt driver, feature by feature, against golden files in test/unit/golden/. After an
 * intended change, regenerate with `UPDATE_GOLDEN=1 npx vitest run test/unit/libvirt-xml` and review the diff.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { DomainSpec, VolumeDisk } from '../../activities/host/driver.ts';
import { buildDomain, DEFAULT_BUILD_SETTINGS, instancePaths, UnsupportedHardwareError, volumeDisk, type BuildSettings } from '../../activities/host/libvirt/xml/build.ts';
import { parseDomainXml } from '../../activities/host/libvirt/xml/parse.ts';
import { renderDiskXml, renderDomainXml } from '../../activities/host/libvirt/xml/render.ts';

const GOLDEN = path.join(path.dirname(fileURLToPath(import.meta.url)), 'golden');

function golden(name: string, actual: string): void {
  const file = path.join(GOLDEN, name);
  if (process.env.UPDATE_GOLDEN === '1') fs.writeFileSync(file, actual);
  if (!fs.existsSync(file)) throw new Error(`golden file ${name} is missing; run with UPDATE_GOLDEN=1 to write it`);
  expect(actual).toBe(fs.readFileSync(file, 'utf8'));
}

const UUID = '2f4b8c1e-7d3a-4e5f-9a0b-1c2d3e4f5a6b';
const paths = instancePaths('/var/lib/novaflow/instances', UUID);

function spec(over: Partial<DomainSpec> = {}): DomainSpec {
  return {
    uuid: UUID,
    name: 'instance-0000002a',
    vcpus: 2,
    memoryMb: 512,
    rootGb: 1,
    image: { id: 'b1c2d3e4-0000-4000-8000-000000000001', diskFormat: 'qcow2', properties: {} },
    volumes: [],
    configDrive: false,
    interfaces: [],
    userData: null,
    keyData: null,
    extraSpecs: {},
    ...over,
  };
}

const volume = (device: string, id: string, bootIndex: number | null = null): VolumeDisk => ({
  volumeId: id,
  attachmentId: `att-${id.slice(0, 8)}`,
  device,
  bootIndex,
  connection: { driver_volume_type: 'file', data: { device_path: `/var/lib/novaflow/volumes/${id}` } },
});

const nic = (n: number, networkId: string) => ({
  portId: `${String(n).repeat(8)}-aaaa-4bbb-8ccc-dddddddddddd`,
  mac: `fa:16:3e:00:00:0${n}`,
  ips: [`10.0.0.${10 + n}`],
  networkId,
});

function rendered(s: DomainSpec, settings: BuildSettings = DEFAULT_BUILD_SETTINGS): string {
  const domain = buildDomain(s, settings, paths);
  const xml = renderDomainXml(domain);
  // Every document the driver writes reads back to the same typed domain.
  expect(parseDomainXml(xml)).toEqual(domain);
  return xml;
}

describe('libvirt domain XML', () => {
  it('an image-backed guest: name, uuid, memory, vcpus, qcow2 overlay, boot order, serial log, VNC on localhost', () => {
    golden('libvirt-basic.xml', rendered(spec()));
  });

  it('direct kernel boot from the kernel_id / ramdisk_id images with the default command line', () => {
    golden('libvirt-kernel-boot.xml', rendered(spec({ image: { id: 'img', properties: { kernel_id: 'k', ramdisk_id: 'r' } } })));
  });

  it('direct kernel boot without a ramdisk, with the image command line', () => {
    const xml = rendered(spec({ image: { id: 'img', properties: { kernel_id: 'k', os_command_line: 'console=ttyS0 root=/dev/vda rw init=/sbin/init quiet&debug="1"' } } }));
    golden('libvirt-kernel-cmdline.xml', xml);
    expect(xml).not.toContain('<initrd>');
    expect(xml).toContain('&amp;debug=');
  });

  it('volumes as file-backed disks with the volume id as serial', () => {
    golden('libvirt-volumes.xml', rendered(spec({ volumes: [volume('vdb', 'c1000000-0000-4000-8000-000000000001'), volume('vdc', 'c2000000-0000-4000-8000-000000000002')] })));
  });

  it('boot from volume: no image, the boot volume is the first disk', () => {
    golden('libvirt-boot-from-volume.xml', rendered(spec({ image: null, rootGb: 0, volumes: [volume('vdb', 'c2000000-0000-4000-8000-000000000002'), volume('vda', 'c1000000-0000-4000-8000-000000000001', 0)] })));
  });

  it('config drive as a read-only cdrom (ide on pc, sata on q35)', () => {
    golden('libvirt-config-drive.xml', rendered(spec({ configDrive: true })));
    golden('libvirt-config-drive-q35.xml', rendered(spec({ configDrive: true, image: { id: 'img', properties: { hw_machine_type: 'q35' } } })));
  });

  it('interfaces: the port MAC on the network bridge, virtio by default', () => {
    golden('libvirt-interfaces.xml', rendered(spec({ interfaces: [nic(1, '9f8e7d6c-5b4a-4321-8fed-cba987654321'), nic(2, '0badc0de-1111-4222-8333-444455556666')] })));
  });

  it('interfaces: the NIC model from hw_vif_model', () => {
    golden('libvirt-vif-model.xml', rendered(spec({ image: { id: 'img', properties: { hw_vif_model: 'e1000' } }, interfaces: [nic(1, '9f8e7d6c-5b4a-4321-8fed-cba987654321')] })));
  });

  it('domain type, machine type and disk cache from the host configuration', () => {
    golden('libvirt-kvm.xml', rendered(spec(), { ...DEFAULT_BUILD_SETTINGS, domainType: 'kvm', machineType: 'q35', diskCache: 'none' }));
  });

  it('a volume disk alone, as attach-device takes it', () => {
    golden('libvirt-attach-disk.xml', renderDiskXml(volumeDisk(volume('vdb', 'c1000000-0000-4000-8000-000000000001'))));
  });

  it('refuses hardware it cannot give', () => {
    expect(() => buildDomain(spec({ image: { id: 'i', properties: { hw_vif_model: 'tulip' } } }), DEFAULT_BUILD_SETTINGS, paths)).toThrow(UnsupportedHardwareError);
    expect(() => buildDomain(spec({ image: { id: 'i', properties: { hw_disk_bus: 'floppy' } } }), DEFAULT_BUILD_SETTINGS, paths)).toThrow(UnsupportedHardwareError);
    expect(() => buildDomain(spec({ image: null }), DEFAULT_BUILD_SETTINGS, paths)).toThrow(/neither an image nor a boot volume/);
    const iscsi: VolumeDisk = { ...volume('vdb', 'v'), connection: { driver_volume_type: 'iscsi', data: { target_iqn: 'x' } } };
    expect(() => volumeDisk(iscsi)).toThrow(/'iscsi' is not supported/);
  });

  it('lays out the instance directory as Nova does', () => {
    expect(paths).toEqual({
      dir: `/var/lib/novaflow/instances/${UUID}`,
      rootDisk: `/var/lib/novaflow/instances/${UUID}/disk`,
      consoleLog: `/var/lib/novaflow/instances/${UUID}/console.log`,
      configDrive: `/var/lib/novaflow/instances/${UUID}/disk.config`,
      kernel: `/var/lib/novaflow/instances/${UUID}/kernel`,
      ramdisk: `/var/lib/novaflow/instances/${UUID}/ramdisk`,
      definition: `/var/lib/novaflow/instances/${UUID}/libvirt.xml`,
    });
  });
});
