/**
 * Checks a subnet's addressing as Neutron does and works out what it implies: the canonical CIDR, the gateway
 * (first usable address unless given or null), the allocation pools (every usable address but the gateway unless
 * given), DNS servers and host routes. Pure: throws Neutron's errors, touches nothing.
 */
import {
  cidrContains,
  defaultGateway,
  defaultPools,
  formatCidr,
  formatIp,
  parseCidr,
  parseIp,
  rangesOverlap,
  usableRange,
  type Cidr,
  type Ip,
  type IpRange,
  type IpVersion,
} from './ip.ts';
import { invalidAttribute, invalidInput, neutronError } from './errors.ts';

export interface PoolText {
  start: string;
  end: string;
}

export interface HostRoute {
  destination: string;
  nexthop: string;
}

export const MAX_DNS_NAMESERVERS = 5;
export const MAX_HOST_ROUTES = 20;

const poolText = (version: IpVersion, r: IpRange) => `${formatIp({ version, value: r.first })}-${formatIp({ version, value: r.last })}`;

export function parseSubnetCidr(text: string, ipVersion?: number): Cidr {
  const parsed = parseCidr(text);
  if (!parsed || !text.includes('/')) throw invalidAttribute('cidr', `'${text}' is not a valid IP subnet`);
  if (!parsed.exact) {
    throw invalidAttribute('cidr', `'${text}' isn't a recognized IP subnet cidr, '${formatCidr(parsed.cidr)}' is recommended`);
  }
  const { cidr } = parsed;
  if (ipVersion !== undefined && ipVersion !== cidr.version) {
    throw invalidInput(`Cidr ${text} does not match the ip_version '${ipVersion}'`);
  }
  if (cidr.prefix === 0) throw invalidInput('0 is not allowed as CIDR prefix length');
  if (!usableRange(cidr)) throw invalidInput(`Subnet ${text} has no usable addresses`);
  return cidr;
}

/** The gateway: undefined → the default, null → none, else a usable address of the subnet's family. */
export function planGateway(cidr: Cidr, gatewayIp: string | null | undefined): Ip | null {
  if (gatewayIp === null) return null;
  if (gatewayIp === undefined) return defaultGateway(cidr) ?? null;
  const ip = parseIp(gatewayIp);
  if (!ip) throw invalidAttribute('gateway_ip', `'${gatewayIp}' is not a valid IP address`);
  if (ip.version !== cidr.version) throw invalidInput(`gateway_ip '${gatewayIp}' does not match the ip_version '${cidr.version}'`);
  if (cidrContains(cidr, ip)) {
    const usable = usableRange(cidr)!;
    if (ip.value < usable.first || ip.value > usable.last) throw invalidInput('Gateway is not valid on subnet');
  }
  return ip;
}

/** Explicit pools are checked (well formed, inside the subnet, disjoint, clear of the gateway); else defaults. */
export function planPools(cidr: Cidr, gateway: Ip | null, pools: PoolText[] | undefined): IpRange[] {
  if (pools === undefined) return defaultPools(cidr, gateway ?? undefined);
  const cidrText = formatCidr(cidr);
  const ranges = pools.map((pool) => {
    const first = parseIp(pool.start);
    const last = parseIp(pool.end);
    const text = `${pool.start}-${pool.end}`;
    if (!first || !last || first.version !== cidr.version || last.version !== cidr.version || first.value > last.value) {
      throw neutronError(400, 'InvalidAllocationPool', `The allocation pool ${text} is not valid.`);
    }
    const usable = usableRange(cidr)!;
    if (first.value < usable.first || last.value > usable.last) {
      throw neutronError(400, 'OutOfBoundsAllocationPool', `The allocation pool ${text} spans beyond the subnet cidr ${cidrText}.`);
    }
    return { first: first.value, last: last.value };
  });
  ranges.sort((a, b) => (a.first < b.first ? -1 : a.first > b.first ? 1 : 0));
  for (let i = 1; i < ranges.length; i++) {
    if (rangesOverlap(ranges[i - 1]!, ranges[i]!)) {
      throw neutronError(409, 'OverlappingAllocationPools',
        `Found overlapping allocation pools: ${poolText(cidr.version, ranges[i - 1]!)} ${poolText(cidr.version, ranges[i]!)} for subnet ${cidrText}.`);
    }
  }
  if (gateway) checkGatewayClear(cidr, gateway, ranges);
  return ranges;
}

export function checkGatewayClear(cidr: Cidr, gateway: Ip, pools: IpRange[]): void {
  const hit = pools.find((r) => gateway.value >= r.first && gateway.value <= r.last);
  if (hit) {
    throw neutronError(409, 'GatewayConflictWithAllocationPools',
      `Gateway ip ${formatIp(gateway)} conflicts with allocation pool ${poolText(cidr.version, hit)}.`);
  }
}

export function planNameservers(version: IpVersion, servers: string[]): string[] {
  if (servers.length > MAX_DNS_NAMESERVERS) {
    throw neutronError(400, 'DNSNameServersExhausted',
      `Unable to complete operation for subnet. The number of DNS nameservers exceeds the limit ${MAX_DNS_NAMESERVERS}.`);
  }
  const seen = new Set<string>();
  return servers.map((text) => {
    const ip = parseIp(text);
    if (!ip) throw invalidAttribute('dns_nameservers', `'${text}' is not a valid nameserver`);
    if (ip.version !== version) throw invalidInput(`dns_nameserver '${text}' does not match the ip_version '${version}'`);
    const canonical = formatIp(ip);
    if (seen.has(canonical)) throw invalidAttribute('dns_nameservers', `Duplicate nameserver '${text}'`);
    seen.add(canonical);
    return canonical;
  });
}

export function planHostRoutes(version: IpVersion, routes: HostRoute[]): HostRoute[] {
  if (routes.length > MAX_HOST_ROUTES) {
    throw neutronError(400, 'HostRoutesExhausted',
      `Unable to complete operation for subnet. The number of host routes exceeds the limit ${MAX_HOST_ROUTES}.`);
  }
  const seen = new Set<string>();
  return routes.map((route) => {
    const destination = parseCidr(route.destination);
    const nexthop = parseIp(route.nexthop);
    if (!destination || !route.destination.includes('/')) {
      throw invalidAttribute('host_routes', `'${route.destination}' is not a valid IP subnet`);
    }
    if (!nexthop) throw invalidAttribute('host_routes', `'${route.nexthop}' is not a valid IP address`);
    if (destination.cidr.version !== version || nexthop.version !== version) {
      throw invalidInput(`host_route '${route.destination}' does not match the ip_version '${version}'`);
    }
    const canonical = { destination: formatCidr(destination.cidr), nexthop: formatIp(nexthop) };
    const key = `${canonical.destination} ${canonical.nexthop}`;
    if (seen.has(key)) throw invalidAttribute('host_routes', `Duplicate hostroute '${route.destination}'`);
    seen.add(key);
    return canonical;
  });
}

/** Pools as the database stores them. */
export function poolRows(version: IpVersion, pools: IpRange[]): { first: string; last: string }[] {
  return pools.map((r) => ({ first: formatIp({ version, value: r.first }), last: formatIp({ version, value: r.last }) }));
}

/** True when an address of the subnet may be given to a port (inside the subnet, not network or broadcast). */
export function isUsable(cidr: Cidr, ip: Ip): boolean {
  const usable = usableRange(cidr);
  return ip.version === cidr.version && !!usable && ip.value >= usable.first && ip.value <= usable.last;
}
