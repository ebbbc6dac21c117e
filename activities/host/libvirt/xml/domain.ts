/**
 * A libvirt domain as typed data: what Novaflow puts into a guest's definition and reads back from it. Only the
 * elements Novaflow sets are modelled; libvirt adds the rest (emulator, controllers, PCI addresses) itself and the
 * parser ignores them. `render.ts` turns these objects into domain XML, `parse.ts` turns XML back into them,
 * `build.ts` derives them from a DomainSpec. All three are pure.
 */

/** `qemu` is software emulation (TCG, what this project's machines have), `kvm` hardware virtualisation. */
export type DomainType = 'qemu' | 'kvm';
export type BootDevice = 'hd' | 'cdrom' | 'network';
export type DiskBus = 'virtio' | 'ide' | 'sata' | 'scsi' | 'usb';
export type DiskFormat = 'qcow2' | 'raw';

export interface DomainOs {
  /** Always `hvm` for QEMU guests. */
  type: 'hvm';
  arch: string;
  /** QEMU machine type, e.g. `pc` (i440fx) or `q35`. */
  machine: string;
  /** Firmware boot order; empty with direct kernel boot (the kernel is loaded by QEMU itself). */
  boot: BootDevice[];
  /** Direct kernel boot: host paths of the kernel and initrd, and the kernel command line. */
  kernel?: string;
  initrd?: string;
  cmdline?: string;
}

export interface DomainDisk {
  device: 'disk' | 'cdrom';
  /** A host file: the instance's qcow2 overlay, a file-backed volume, or the config drive ISO. */
  source: string;
  format: DiskFormat;
  /** QEMU cache mode (`none`, `writeback`, ...); libvirt's default when absent. */
  cache?: string;
  target: { dev: string; bus: DiskBus };
  readonly?: boolean;
  /** The disk's serial as the guest sees it; for volumes the volume id, which is how the driver finds them again. */
  serial?: string;
}

export interface DomainInterface {
  mac: string;
  /** The host Linux bridge the tap device joins. */
  bridge: string;
  /** The NIC model QEMU emulates (`virtio`, `e1000`, ...). */
  model: string;
  /** Name of the host tap device, `tap` + the first 11 characters of the port id (Nova's form). */
  targetDev?: string;
}

export interface DomainSerial {
  /** The file every byte the guest writes to its first serial port (ttyS0) is logged to (by virtlogd). */
  logFile: string;
  /** Whether a restart keeps the log (`on`) or truncates it. */
  append: boolean;
}

export interface DomainGraphics {
  type: 'vnc';
  /** Listen address; 127.0.0.1 keeps the console off the network. Port chosen by libvirt (autoport). */
  listen: string;
}

export type LifecycleAction = 'destroy' | 'restart' | 'preserve' | 'rename-restart';

export interface LibvirtDomain {
  type: DomainType;
  /** `instance-%08x`. */
  name: string;
  uuid: string;
  memoryKib: number;
  vcpus: number;
  os: DomainOs;
  /** Hypervisor features switched on, e.g. `acpi` (needed for a clean ACPI shutdown) and `apic`. */
  features: string[];
  clockOffset: 'utc' | 'localtime';
  onPoweroff: LifecycleAction;
  onReboot: LifecycleAction;
  onCrash: LifecycleAction;
  disks: DomainDisk[];
  interfaces: DomainInterface[];
  serial: DomainSerial | null;
  graphics: DomainGraphics | null;
}
