/**
 * Security group rule checks as Neutron makes them: protocol names or numbers, port ranges only where ports exist,
 * ICMP type/code, ethertype against the remote prefix, remote prefix or remote group but not both. Pure.
 */
import { neutronError } from './errors.ts';
import { formatCidr, parseCidr } from './ip.ts';

export interface RuleInput {
  direction: 'ingress' | 'egress';
  ethertype?: 'IPv4' | 'IPv6';
  protocol?: string | number | null;
  portRangeMin?: number | null;
  portRangeMax?: number | null;
  remoteIpPrefix?: string | null;
  remoteGroupId?: string | null;
  description?: string;
}

export interface NormalizedRule {
  direction: 'ingress' | 'egress';
  ethertype: 'IPv4' | 'IPv6';
  protocol: string | null;
  portRangeMin: number | null;
  portRangeMax: number | null;
  remoteIpPrefix: string | null;
  remoteGroupId: string | null;
  description: string;
}

const PROTOCOL_NUMBERS: Readonly<Record<string, number>> = {
  hopopt: 0, icmp: 1, igmp: 2, ipip: 4, tcp: 6, egp: 8, udp: 17, 'ipv6-encap': 41, 'ipv6-route': 43, 'ipv6-frag': 44,
  rsvp: 46, gre: 47, esp: 50, ah: 51, 'ipv6-icmp': 58, icmpv6: 58, 'ipv6-nonxt': 59, 'ipv6-opts': 60, ospf: 89,
  pgm: 113, vrrp: 112, sctp: 132, dccp: 33, udplite: 136,
};

/** Protocols whose rules may carry a port range. */
const PORT_PROTOCOLS = new Set([6, 17, 33, 132, 136]);
const ICMP_PROTOCOLS = new Set([1, 58]);

const invalidProtocol = (protocol: unknown) =>
  neutronError(400, 'SecurityGroupRuleInvalidProtocol',
    `Security group rule protocol ${String(protocol)} not supported. Only protocol values [${[...Object.keys(PROTOCOL_NUMBERS), 'any'].map((p) => `'${p}'`).join(', ')}] and integer representations [0 to 255] are supported.`);

/** The protocol as stored (name lower-cased or number as text; `any` → null) and its number. */
export function normalizeProtocol(protocol: string | number | null | undefined): { text: string | null; number: number | null } {
  if (protocol === null || protocol === undefined || protocol === '' || String(protocol).toLowerCase() === 'any') {
    return { text: null, number: null };
  }
  const text = String(protocol).toLowerCase();
  if (/^\d+$/.test(text)) {
    const n = Number(text);
    if (n > 255) throw invalidProtocol(protocol);
    return { text: String(n), number: n };
  }
  const n = PROTOCOL_NUMBERS[text];
  if (n === undefined) throw invalidProtocol(protocol);
  return { text, number: n };
}

function checkPorts(protocol: { text: string | null; number: number | null }, min: number | null, max: number | null): void {
  if (min === null && max === null) return;
  if (protocol.number === null) throw neutronError(400, 'SecurityGroupProtocolRequiredWithPorts', 'Must also specify protocol if port range is given.');
  if (ICMP_PROTOCOLS.has(protocol.number)) {
    for (const [field, attr, value] of [['type', 'port_range_min', min], ['code', 'port_range_max', max]] as const) {
      if (value !== null && (value < 0 || value > 255)) {
        throw neutronError(400, 'SecurityGroupInvalidIcmpValue', `Invalid value for ICMP ${field} (${attr}) ${value}. It must be 0 to 255.`);
      }
    }
    if (min === null && max !== null) {
      throw neutronError(400, 'SecurityGroupMissingIcmpType',
        `ICMP code (port-range-max) ${max} is provided but ICMP type (port-range-min) is missing.`);
    }
    return;
  }
  if (!PORT_PROTOCOLS.has(protocol.number)) {
    throw neutronError(400, 'SecurityGroupInvalidProtocolForPortRange',
      `Invalid protocol ${protocol.text} for port range, only supported for TCP, UDP, UDPLITE, SCTP and DCCP.`);
  }
  for (const value of [min, max]) {
    if (value !== null && (value < 1 || value > 65535)) throw neutronError(400, 'SecurityGroupInvalidPortValue', `Invalid value for port ${value}.`);
  }
  if (min === null || max === null || min > max) {
    throw neutronError(400, 'SecurityGroupInvalidPortRange', 'For TCP/UDP protocols, port_range_min must be <= port_range_max');
  }
}

export function normalizeRule(input: RuleInput): NormalizedRule {
  const ethertype = input.ethertype ?? 'IPv4';
  const protocol = normalizeProtocol(input.protocol);
  if (ethertype === 'IPv4' && protocol.number === 58) {
    throw neutronError(400, 'SecurityGroupEthertypeConflictWithProtocol', `Invalid ethertype ${ethertype} for protocol ${protocol.text}.`);
  }
  const min = input.portRangeMin ?? null;
  const max = input.portRangeMax ?? null;
  checkPorts(protocol, min, max);
  if (input.remoteIpPrefix && input.remoteGroupId) {
    throw neutronError(400, 'SecurityGroupRemoteGroupAndRemoteIpPrefix', 'Only remote_ip_prefix or remote_group_id may be provided.');
  }
  let remoteIpPrefix: string | null = null;
  if (input.remoteIpPrefix) {
    const parsed = parseCidr(input.remoteIpPrefix);
    if (!parsed) {
      throw neutronError(400, 'HTTPBadRequest', `Invalid input for remote_ip_prefix. Reason: '${input.remoteIpPrefix}' is not a valid IP subnet.`);
    }
    if (parsed.cidr.version !== (ethertype === 'IPv4' ? 4 : 6)) {
      throw neutronError(400, 'SecurityGroupRuleParameterConflict', `Conflicting value ethertype ${ethertype} for CIDR ${input.remoteIpPrefix}`);
    }
    remoteIpPrefix = formatCidr(parsed.cidr);
  }
  return {
    direction: input.direction,
    ethertype,
    protocol: protocol.text,
    portRangeMin: min,
    portRangeMax: max,
    remoteIpPrefix,
    remoteGroupId: input.remoteGroupId ?? null,
    description: input.description ?? '',
  };
}

/** Two rules match when they allow the same traffic (0.0.0.0/0 and ::/0 are the same as no prefix). */
export function sameTraffic(a: NormalizedRule, b: NormalizedRule): boolean {
  const prefix = (p: string | null) => (p === '0.0.0.0/0' || p === '::/0' ? null : p);
  const proto = (p: string | null) => {
    const n = normalizeProtocol(p).number;
    return n === null ? null : n;
  };
  return (
    a.direction === b.direction &&
    a.ethertype === b.ethertype &&
    proto(a.protocol) === proto(b.protocol) &&
    a.portRangeMin === b.portRangeMin &&
    a.portRangeMax === b.portRangeMax &&
    prefix(a.remoteIpPrefix) === prefix(b.remoteIpPrefix) &&
    a.remoteGroupId === b.remoteGroupId
  );
}
