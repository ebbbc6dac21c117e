/**
 * Address maths for subnets: IPv4 and IPv6 addresses as bigints, CIDRs, default gateways and allocation pools.
 * Pure functions, no I/O.
 */
export type IpVersion = 4 | 6;

export interface Ip {
  version: IpVersion;
  value: bigint;
}

export interface Cidr {
  version: IpVersion;
  /** The network address (host bits zero). */
  network: bigint;
  prefix: number;
}

/** An inclusive range of addresses of one family. */
export interface IpRange {
  first: bigint;
  last: bigint;
}

const BITS: Record<IpVersion, number> = { 4: 32, 6: 128 };

export const bitsOf = (version: IpVersion) => BITS[version];

function parseIpv4(text: string): bigint | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0n;
  for (const part of parts) {
    if (!/^(0|[1-9]\d{0,2})$/.test(part)) return undefined;
    const n = Number(part);
    if (n > 255) return undefined;
    value = (value << 8n) | BigInt(n);
  }
  return value;
}

function parseIpv6(text: string): bigint | undefined {
  if (!/^[0-9a-fA-F:.]+$/.test(text)) return undefined;
  let hex = text;
  if (text.includes('.')) {
    // An embedded IPv4 tail (::ffff:10.0.0.1) stands for the last two groups.
    const lastColon = text.lastIndexOf(':');
    const v4 = parseIpv4(text.slice(lastColon + 1));
    if (lastColon < 0 || v4 === undefined) return undefined;
    hex = `${text.slice(0, lastColon + 1)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const halves = hex.split('::');
  if (halves.length > 2) return undefined;
  const split = (s: string) => (s === '' ? [] : s.split(':'));
  const left = split(halves[0]!);
  const right = halves.length === 2 ? split(halves[1]!) : [];
  if ([...left, ...right].some((g) => !/^[0-9a-fA-F]{1,4}$/.test(g))) return undefined;
  let groups = left;
  if (halves.length === 2) {
    const missing = 8 - left.length - right.length;
    if (missing < 1) return undefined;
    groups = [...left, ...Array<string>(missing).fill('0'), ...right];
  }
  if (groups.length !== 8) return undefined;
  let value = 0n;
  for (const g of groups) value = (value << 16n) | BigInt(parseInt(g, 16));
  return value;
}

/** Parses a plain address (no prefix, no zone); undefined when it is not one. */
export function parseIp(text: string): Ip | undefined {
  if (typeof text !== 'string' || text.length === 0 || text.length > 45) return undefined;
  if (text.includes(':')) {
    const value = parseIpv6(text);
    return value === undefined ? undefined : { version: 6, value };
  }
  const value = parseIpv4(text);
  return value === undefined ? undefined : { version: 4, value };
}

export function formatIp(ip: Ip): string {
  if (ip.version === 4) {
    return [24n, 16n, 8n, 0n].map((shift) => String((ip.value >> shift) & 0xffn)).join('.');
  }
  const groups = Array.from({ length: 8 }, (_, i) => Number((ip.value >> BigInt(112 - 16 * i)) & 0xffffn));
  // RFC 5952: the longest run (at least two) of zero groups becomes "::", the first one on a tie.
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}

/** The canonical text of an address, or undefined when it is not one. */
export function normalizeIp(text: string): string | undefined {
  const ip = parseIp(text);
  return ip && formatIp(ip);
}

const hostMask = (version: IpVersion, prefix: number) => (1n << BigInt(BITS[version] - prefix)) - 1n;

export interface ParsedCidr {
  cidr: Cidr;
  /** False when the text had host bits set (e.g. 10.0.0.5/24). */
  exact: boolean;
}

/** Parses `address/prefix`; a bare address is taken as a host route (/32, /128). */
export function parseCidr(text: string): ParsedCidr | undefined {
  if (typeof text !== 'string') return undefined;
  const slash = text.indexOf('/');
  const ip = parseIp(slash < 0 ? text : text.slice(0, slash));
  if (!ip) return undefined;
  let prefix = BITS[ip.version];
  if (slash >= 0) {
    const p = text.slice(slash + 1);
    if (!/^(0|[1-9]\d{0,2})$/.test(p)) return undefined;
    prefix = Number(p);
    if (prefix > BITS[ip.version]) return undefined;
  }
  const network = ip.value & ~hostMask(ip.version, prefix);
  return { cidr: { version: ip.version, network, prefix }, exact: network === ip.value };
}

export function formatCidr(cidr: Cidr): string {
  return `${formatIp({ version: cidr.version, value: cidr.network })}/${cidr.prefix}`;
}

export function lastAddress(cidr: Cidr): bigint {
  return cidr.network | hostMask(cidr.version, cidr.prefix);
}

export function cidrContains(cidr: Cidr, ip: Ip): boolean {
  return ip.version === cidr.version && ip.value >= cidr.network && ip.value <= lastAddress(cidr);
}

export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
  return a.version === b.version && a.network <= lastAddress(b) && b.network <= lastAddress(a);
}

export function rangesOverlap(a: IpRange, b: IpRange): boolean {
  return a.first <= b.last && b.first <= a.last;
}

/**
 * The addresses hosts may use: for IPv4 all but the network and broadcast addresses; for IPv6 all but the
 * subnet-router anycast address (the network address).
 */
export function usableRange(cidr: Cidr): IpRange | undefined {
  const first = cidr.network + 1n;
  const last = cidr.version === 4 ? lastAddress(cidr) - 1n : lastAddress(cidr);
  return first <= last ? { first, last } : undefined;
}

/** Neutron's default gateway: the first usable address. */
export function defaultGateway(cidr: Cidr): Ip | undefined {
  const usable = usableRange(cidr);
  return usable && { version: cidr.version, value: usable.first };
}

/** The default allocation pools: every usable address except the gateway. */
export function defaultPools(cidr: Cidr, gateway?: Ip): IpRange[] {
  const usable = usableRange(cidr);
  if (!usable) return [];
  if (!gateway || gateway.value < usable.first || gateway.value > usable.last) return [usable];
  const pools: IpRange[] = [];
  if (gateway.value > usable.first) pools.push({ first: usable.first, last: gateway.value - 1n });
  if (gateway.value < usable.last) pools.push({ first: gateway.value + 1n, last: usable.last });
  return pools;
}

export function rangeSize(range: IpRange): bigint {
  return range.last - range.first + 1n;
}
