/**
 * Typed domain → libvirt domain XML, by pure functions. The XML text is produced by fast-xml-parser's builder
 * (escaping of text and attributes is the library's, never string concatenation). fast-xml-parser was chosen
 * because it is the most used XML library on npm, pure JavaScript (no native build on the compute host), ships
 * its own TypeScript types, and both builds and parses with one object convention (`@_` attributes, `#text`).
 */
import { XMLBuilder } from 'fast-xml-parser';
import type { DomainDisk, DomainInterface, LibvirtDomain } from './domain.ts';

/** An element in fast-xml-parser's object form: `@_name` keys are attributes, `#text` the text, others children. */
export type XmlNode = { [key: string]: string | XmlNode | XmlNode[] };

const builder = new XMLBuilder({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  textNodeName: '#text',
  format: true,
  indentBy: '  ',
  suppressEmptyNode: true,
});

function xml(root: string, node: XmlNode): string {
  return builder.build({ [root]: node }) as string;
}

/** An element with only attributes (rendered `<x a="1"/>`). */
const attrs = (values: Record<string, string | number | undefined>): XmlNode =>
  Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined).map(([k, v]) => [`@_${k}`, String(v)]));

export function diskNode(disk: DomainDisk): XmlNode {
  const node: XmlNode = {
    '@_type': 'file',
    '@_device': disk.device,
    driver: attrs({ name: 'qemu', type: disk.format, cache: disk.cache }),
    source: attrs({ file: disk.source }),
    target: attrs({ dev: disk.target.dev, bus: disk.target.bus }),
  };
  if (disk.readonly) node.readonly = '';
  if (disk.serial) node.serial = disk.serial;
  return node;
}

export function interfaceNode(nic: DomainInterface): XmlNode {
  const node: XmlNode = {
    '@_type': 'bridge',
    mac: attrs({ address: nic.mac }),
    source: attrs({ bridge: nic.bridge }),
    model: attrs({ type: nic.model }),
  };
  if (nic.targetDev) node.target = attrs({ dev: nic.targetDev });
  return node;
}

export function domainNode(d: LibvirtDomain): XmlNode {
  const os: XmlNode = { type: { '@_arch': d.os.arch, '@_machine': d.os.machine, '#text': d.os.type } };
  if (d.os.kernel) os.kernel = d.os.kernel;
  if (d.os.initrd) os.initrd = d.os.initrd;
  if (d.os.cmdline) os.cmdline = d.os.cmdline;
  if (d.os.boot.length > 0) os.boot = d.os.boot.map((dev) => attrs({ dev }));

  const devices: XmlNode = {};
  if (d.disks.length > 0) devices.disk = d.disks.map(diskNode);
  if (d.interfaces.length > 0) devices.interface = d.interfaces.map(interfaceNode);
  if (d.serial) {
    devices.serial = { '@_type': 'pty', log: attrs({ file: d.serial.logFile, append: d.serial.append ? 'on' : 'off' }), target: attrs({ port: 0 }) };
    devices.console = { '@_type': 'pty', target: attrs({ type: 'serial', port: 0 }) };
  }
  if (d.graphics) devices.graphics = attrs({ type: d.graphics.type, autoport: 'yes', listen: d.graphics.listen });

  return {
    '@_type': d.type,
    name: d.name,
    uuid: d.uuid,
    memory: { '@_unit': 'KiB', '#text': String(d.memoryKib) },
    currentMemory: { '@_unit': 'KiB', '#text': String(d.memoryKib) },
    vcpu: { '@_placement': 'static', '#text': String(d.vcpus) },
    os,
    ...(d.features.length > 0 ? { features: Object.fromEntries(d.features.map((f) => [f, ''])) } : {}),
    clock: attrs({ offset: d.clockOffset }),
    on_poweroff: d.onPoweroff,
    on_reboot: d.onReboot,
    on_crash: d.onCrash,
    devices,
  };
}

/** The whole `<domain>` document, as `virsh define` takes it. */
export function renderDomainXml(domain: LibvirtDomain): string {
  return xml('domain', domainNode(domain));
}

/** One `<disk>` element, as `virsh attach-device` / `detach-device` take it. */
export function renderDiskXml(disk: DomainDisk): string {
  return xml('disk', diskNode(disk));
}

/** One `<interface>` element, as `virsh attach-device` takes it. */
export function renderInterfaceXml(nic: DomainInterface): string {
  return xml('interface', interfaceNode(nic));
}
