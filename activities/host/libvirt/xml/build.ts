/**
 * DomainSpec (what the controller asks for) → typed libvirt domain (what the host defines). Pure: every host path
 * and setting comes in as an argument, so golden-file tests pin the whole mapping.
 *
 * Image properties read here, as Nova's libvirt driver reads them: `kernel_id` / `ramdisk_id` (direct kernel boot
 * from those images), `os_command_line` (kernel command line), `hw_machine_type`, `hw_vif_model`, `hw_disk_bus`.
 */
import path from 'node:path';
import type { DomainSpec, ImageRef, NetworkInterface, VolumeDisk } from '../../driver.ts';
import { bridgeName } from '../network.ts';
import type { DiskBus, DiskFormat, DomainDisk, DomainInterface, DomainType, LibvirtDomain } from './domain.ts';

export interface BuildSettings {
  domainType: DomainType;
  /** Machine type when the image has no `hw_machine_type`; `pc` (i440fx) hot-plugs virtio disks without extra root ports. */
  machineType: string;
  arch: string;
  /** VNC listen address. */
  vncListen: string;
  /** QEMU cache mode for local and volume disks; libvirt's default when absent. */
  diskCache?: string;
}

export const DEFAULT_BUILD_SETTINGS: BuildSettings = { domainType: 'qemu', machineType: 'pc', arch: 'x86_64', vncListen: '127.0.0.1' };

/** Where one instance's files live on the host (Nova's `<instances_path>/<uuid>/` layout). */
export interface InstancePaths {
  dir: string;
  /** The qcow2 overlay over the cached base image. */
  rootDisk: string;
  consoleLog: string;
  configDrive: string;
  kernel: string;
  ramdisk: string;
  /** The rendered definition, kept beside the disks as Nova keeps `libvirt.xml`. */
  definition: string;
}

export function instancePaths(instancesPath: string, uuid: string): InstancePaths {
  const dir = path.join(instancesPath, uuid);
  return {
    dir,
    rootDisk: path.join(dir, 'disk'),
    consoleLog: path.join(dir, 'console.log'),
    configDrive: path.join(dir, 'disk.config'),
    kernel: path.join(dir, 'kernel'),
    ramdisk: path.join(dir, 'ramdisk'),
    definition: path.join(dir, 'libvirt.xml'),
  };
}

/** NIC models QEMU offers on x86 (Nova's list for the libvirt driver). */
export const VIF_MODELS = ['virtio', 'e1000', 'e1000e', 'rtl8139', 'ne2k_pci', 'pcnet', 'vmxnet3'] as const;
const DISK_BUSES: DiskBus[] = ['virtio', 'ide', 'sata', 'scsi', 'usb'];

/** The image or flavor asks for hardware this driver cannot give (the same on every host: not rescheduled). */
export class UnsupportedHardwareError extends Error {
  readonly type = 'UnsupportedHardware';
}

/** Nova's default kernel command line for direct kernel boot when the image has no `os_command_line`. */
export const DEFAULT_CMDLINE = 'root=/dev/vda console=tty0 console=ttyS0';

/** Direct kernel boot applies when the image names a kernel image. */
export function kernelBoot(image: ImageRef | null): { kernelId: string; ramdiskId?: string } | undefined {
  const kernelId = image?.properties.kernel_id;
  if (!kernelId) return undefined;
  const ramdiskId = image.properties.ramdisk_id;
  return ramdiskId ? { kernelId, ramdiskId } : { kernelId };
}

function vifModel(image: ImageRef | null): string {
  const model = image?.properties.hw_vif_model ?? 'virtio';
  if (!(VIF_MODELS as readonly string[]).includes(model)) {
    throw new UnsupportedHardwareError(`Requested hardware 'hw_vif_model=${model}' is not supported by the libvirt driver.`);
  }
  return model;
}

function diskBus(image: ImageRef | null): DiskBus {
  const bus = image?.properties.hw_disk_bus ?? 'virtio';
  if (!DISK_BUSES.includes(bus as DiskBus)) throw new UnsupportedHardwareError(`Requested hardware 'hw_disk_bus=${bus}' is not supported by the libvirt driver.`);
  return bus as DiskBus;
}

/** A volume's disk. Only file-backed connections (the embedded volume service's) are supported. */
export function volumeDisk(volume: VolumeDisk, cache?: string): DomainDisk {
  const { driver_volume_type: kind, data } = volume.connection;
  const file = data.device_path;
  if (kind !== 'file' || typeof file !== 'string' || file === '') {
    throw new UnsupportedHardwareError(`Volume ${volume.volumeId}: connection type '${kind}' is not supported by the libvirt driver (only 'file' with a device_path).`);
  }
  const format: DiskFormat = data.format === 'qcow2' ? 'qcow2' : 'raw';
  const disk: DomainDisk = { device: 'disk', source: file, format, target: { dev: volume.device, bus: 'virtio' }, serial: volume.volumeId };
  if (cache) disk.cache = cache;
  return disk;
}

export function domainInterface(nic: NetworkInterface, model: string): DomainInterface {
  return { mac: nic.mac, bridge: bridgeName(nic.networkId), model, targetDev: `tap${nic.portId.slice(0, 11)}` };
}

export function buildDomain(spec: DomainSpec, settings: BuildSettings, paths: InstancePaths): LibvirtDomain {
  const image = spec.image;
  const machine = image?.properties.hw_machine_type ?? settings.machineType;
  const disks: DomainDisk[] = [];
  if (image) {
    const bus = diskBus(image);
    const root: DomainDisk = { device: 'disk', source: paths.rootDisk, format: 'qcow2', target: { dev: bus === 'virtio' ? 'vda' : 'sda', bus } };
    if (settings.diskCache) root.cache = settings.diskCache;
    disks.push(root);
  } else if (!spec.volumes.some((v) => v.bootIndex === 0)) {
    throw new UnsupportedHardwareError(`Instance ${spec.uuid} has neither an image nor a boot volume.`);
  }
  const volumes = [...spec.volumes].sort((a, b) => (a.bootIndex === 0 ? -1 : b.bootIndex === 0 ? 1 : 0));
  for (const v of volumes) disks.push(volumeDisk(v, settings.diskCache));
  if (spec.configDrive) {
    const q35 = machine.startsWith('q35') || machine.includes('-q35');
    disks.push({ device: 'cdrom', source: paths.configDrive, format: 'raw', target: q35 ? { dev: 'sda', bus: 'sata' } : { dev: 'hdd', bus: 'ide' }, readonly: true });
  }

  const model = vifModel(image);
  const kernel = kernelBoot(image);
  const rootDev = disks[0]?.target.dev ?? 'vda';
  return {
    type: settings.domainType,
    name: spec.name,
    uuid: spec.uuid,
    memoryKib: spec.memoryMb * 1024,
    vcpus: spec.vcpus,
    os: {
      type: 'hvm',
      arch: settings.arch,
      machine,
      boot: kernel ? [] : ['hd'],
      ...(kernel
        ? {
            kernel: paths.kernel,
            ...(kernel.ramdiskId ? { initrd: paths.ramdisk } : {}),
            cmdline: image?.properties.os_command_line ?? DEFAULT_CMDLINE.replace('/dev/vda', `/dev/${rootDev}`),
          }
        : {}),
    },
    features: ['acpi', 'apic'],
    clockOffset: 'utc',
    onPoweroff: 'destroy',
    onReboot: 'restart',
    onCrash: 'destroy',
    disks,
    interfaces: spec.interfaces.map((nic) => domainInterface(nic, model)),
    serial: { logFile: paths.consoleLog, append: true },
    graphics: { type: 'vnc', listen: settings.vncListen },
  };
}
