/**
 * libvirt domain XML (as `virsh dumpxml` prints it) → the typed domain. Reads the elements Novaflow models and
 * ignores what libvirt adds (emulator, controllers, addresses, aliases, seclabels). Pure.
 */
import { XMLParser } from 'fast-xml-parser';
import type { BootDevice, DiskBus, DiskFormat, DomainDisk, DomainInterface, DomainType, LibvirtDomain, LifecycleAction } from './domain.ts';

/** Elements that may repeat, by path (a disk's `<serial>` is text, the devices' `<serial>` a port). */
const REPEATED = new Set(['domain.devices.disk', 'domain.devices.interface', 'domain.os.boot', 'domain.devices.serial', 'domain.devices.console', 'domain.devices.graphics']);

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  textNodeName: '#text',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  isArray: (_name, jpath) => REPEATED.has(String(jpath)),
});

type Node = Record<string, unknown>;

const asNode = (v: unknown): Node => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Node) : {});
const asList = (v: unknown): Node[] => (Array.isArray(v) ? v.map(asNode) : v === undefined ? [] : [asNode(v)]);
/** Text of an element that may carry attributes (`<memory unit="KiB">1024</memory>`) or none (`<name>x</name>`). */
function text(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return String(v);
  const t = asNode(v)['#text'];
  return t === undefined ? undefined : String(t);
}
const attr = (v: unknown, name: string): string | undefined => {
  const a = asNode(v)[`@_${name}`];
  return a === undefined ? undefined : String(a);
};

const UNIT_KIB: Record<string, number> = { b: 1 / 1024, bytes: 1 / 1024, k: 1, kib: 1, kb: 1000 / 1024, m: 1024, mib: 1024, mb: 1e6 / 1024, g: 1024 ** 2, gib: 1024 ** 2, gb: 1e9 / 1024 };

function kib(v: unknown): number {
  const unit = (attr(v, 'unit') ?? 'KiB').toLowerCase();
  return Math.round(Number(text(v) ?? 0) * (UNIT_KIB[unit] ?? 1));
}

export class DomainXmlError extends Error {}

export function parseDisk(node: Node): DomainDisk {
  const driver = asNode(node.driver);
  const source = asNode(node.source);
  const target = asNode(node.target);
  const disk: DomainDisk = {
    device: attr(node, 'device') === 'cdrom' ? 'cdrom' : 'disk',
    source: attr(source, 'file') ?? attr(source, 'dev') ?? '',
    format: (attr(driver, 'type') ?? 'raw') as DiskFormat,
    target: { dev: attr(target, 'dev') ?? '', bus: (attr(target, 'bus') ?? 'virtio') as DiskBus },
  };
  const cache = attr(driver, 'cache');
  if (cache) disk.cache = cache;
  if ('readonly' in node) disk.readonly = true;
  const serial = text(node.serial);
  if (serial) disk.serial = serial;
  return disk;
}

export function parseInterface(node: Node): DomainInterface {
  const nic: DomainInterface = {
    mac: attr(node.mac, 'address') ?? '',
    bridge: attr(node.source, 'bridge') ?? '',
    model: attr(node.model, 'type') ?? 'virtio',
  };
  const dev = attr(node.target, 'dev');
  if (dev) nic.targetDev = dev;
  return nic;
}

export function parseDomainXml(xml: string): LibvirtDomain {
  const domain = asNode(parser.parse(xml).domain);
  if (Object.keys(domain).length === 0) throw new DomainXmlError('not a libvirt domain document (no <domain> element)');
  const os = asNode(domain.os);
  const devices = asNode(domain.devices);
  const serial = asList(devices.serial)[0];
  const log = serial && asNode(serial.log);
  const graphics = asList(devices.graphics).find((g) => attr(g, 'type') === 'vnc');

  const parsed: LibvirtDomain = {
    type: (attr(domain, 'type') ?? 'qemu') as DomainType,
    name: text(domain.name) ?? '',
    uuid: text(domain.uuid) ?? '',
    memoryKib: kib(domain.memory),
    vcpus: Number(text(domain.vcpu) ?? 1),
    os: {
      type: 'hvm',
      arch: attr(os.type, 'arch') ?? 'x86_64',
      machine: attr(os.type, 'machine') ?? '',
      boot: asList(os.boot).map((b) => attr(b, 'dev') as BootDevice),
    },
    features: Object.keys(asNode(domain.features)).filter((k) => !k.startsWith('@_')),
    clockOffset: attr(domain.clock, 'offset') === 'localtime' ? 'localtime' : 'utc',
    onPoweroff: (text(domain.on_poweroff) ?? 'destroy') as LifecycleAction,
    onReboot: (text(domain.on_reboot) ?? 'restart') as LifecycleAction,
    onCrash: (text(domain.on_crash) ?? 'destroy') as LifecycleAction,
    disks: asList(devices.disk).map(parseDisk),
    interfaces: asList(devices.interface).map(parseInterface),
    serial: log && attr(log, 'file') ? { logFile: attr(log, 'file') ?? '', append: attr(log, 'append') === 'on' } : null,
    graphics: graphics ? { type: 'vnc', listen: attr(graphics, 'listen') ?? '' } : null,
  };
  const kernel = text(os.kernel);
  const initrd = text(os.initrd);
  const cmdline = text(os.cmdline);
  if (kernel) parsed.os.kernel = kernel;
  if (initrd) parsed.os.initrd = initrd;
  if (cmdline) parsed.os.cmdline = cmdline;
  return parsed;
}
