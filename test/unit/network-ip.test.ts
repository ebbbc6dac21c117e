import { describe, expect, it } from 'vitest';
import {
  cidrsOverlap,
  defaultGateway,
  defaultPools,
  formatCidr,
  formatIp,
  normalizeIp,
  parseCidr,
  parseIp,
  type Cidr,
} from '../../activities/services/network/ip.ts';
import { parseSubnetCidr, planGateway, planNameservers, planPools } from '../../activities/services/network/subnet-plan.ts';
import { normalizeProtocol, normalizeRule, sameTraffic } from '../../activities/services/network/sg-rules.ts';

const cidr = (text: string): Cidr => parseCidr(text)!.cidr;
const poolsText = (c: Cidr, gateway?: string, explicit?: { start: string; end: string }[]) =>
  planPools(c, gateway === undefined ? null : parseIp(gateway)!, explicit).map(
    (r) => `${formatIp({ version: c.version, value: r.first })}-${formatIp({ version: c.version, value: r.last })}`,
  );

describe('addresses', () => {
  it.each([
    ['10.0.0.1', '10.0.0.1'],
    ['255.255.255.255', '255.255.255.255'],
    ['2001:DB8::1', '2001:db8::1'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['::', '::'],
    ['::1', '::1'],
    ['fe80::', 'fe80::'],
    ['::ffff:10.0.0.1', '::ffff:a00:1'],
    ['1:0:0:2:0:0:0:3', '1:0:0:2::3'],
  ])('parses %s as %s', (text, canonical) => {
    expect(normalizeIp(text)).toBe(canonical);
  });

  it.each(['10.0.0', '10.0.0.256', '010.0.0.1', '1.2.3.4.5', '', '2001:db8:::1', '1:2:3:4:5:6:7:8:9', 'g::1', '10.0.0.1/24', '::1::'])(
    'refuses %j',
    (text) => {
      expect(parseIp(text)).toBeUndefined();
    },
  );

  it('parses CIDRs and tells whether host bits were set', () => {
    expect(parseCidr('10.1.2.0/24')).toEqual({ cidr: { version: 4, network: 0x0a010200n, prefix: 24 }, exact: true });
    expect(parseCidr('10.1.2.3/24')?.exact).toBe(false);
    expect(formatCidr(cidr('2001:db8::/64'))).toBe('2001:db8::/64');
    expect(parseCidr('10.0.0.0/33')).toBeUndefined();
    expect(cidrsOverlap(cidr('10.0.0.0/24'), cidr('10.0.0.128/25'))).toBe(true);
    expect(cidrsOverlap(cidr('10.0.0.0/24'), cidr('10.0.1.0/24'))).toBe(false);
    expect(cidrsOverlap(cidr('10.0.0.0/8'), cidr('::/0'))).toBe(false);
  });
});

describe('subnet defaults', () => {
  it('takes the first host as gateway and the rest as the pool', () => {
    expect(formatIp(defaultGateway(cidr('10.0.0.0/24'))!)).toBe('10.0.0.1');
    expect(poolsText(cidr('10.0.0.0/24'), '10.0.0.1')).toEqual(['10.0.0.2-10.0.0.254']);
    expect(poolsText(cidr('10.0.0.0/30'), '10.0.0.1')).toEqual(['10.0.0.2-10.0.0.2']);
    expect(poolsText(cidr('2001:db8::/120'), '2001:db8::1')).toEqual(['2001:db8::2-2001:db8::ff']);
  });

  it('splits the pool around a gateway in the middle, and keeps it whole without a gateway', () => {
    expect(poolsText(cidr('10.0.0.0/24'), '10.0.0.100')).toEqual(['10.0.0.1-10.0.0.99', '10.0.0.101-10.0.0.254']);
    expect(poolsText(cidr('10.0.0.0/24'))).toEqual(['10.0.0.1-10.0.0.254']);
    expect(defaultPools(cidr('10.0.0.0/24'), parseIp('10.0.0.254')!).length).toBe(1);
  });

  it('checks explicit pools and gateways', () => {
    expect(poolsText(cidr('10.0.0.0/24'), '10.0.0.1', [{ start: '10.0.0.50', end: '10.0.0.60' }, { start: '10.0.0.10', end: '10.0.0.20' }])).toEqual([
      '10.0.0.10-10.0.0.20',
      '10.0.0.50-10.0.0.60',
    ]);
    expect(() => poolsText(cidr('10.0.0.0/24'), '10.0.0.1', [{ start: '10.0.0.0', end: '10.0.0.5' }])).toThrow(/spans beyond/);
    expect(() => poolsText(cidr('10.0.0.0/24'), '10.0.0.1', [{ start: '10.0.0.250', end: '10.0.0.255' }])).toThrow(/spans beyond/);
    expect(() => planGateway(cidr('10.0.0.0/24'), '10.0.0.255')).toThrow(/Gateway is not valid on subnet/);
    expect(() => planGateway(cidr('10.0.0.0/24'), '2001:db8::1')).toThrow(/does not match the ip_version/);
    expect(planGateway(cidr('10.0.0.0/24'), null)).toBeNull();
    expect(() => parseSubnetCidr('0.0.0.0/0')).toThrow(/0 is not allowed/);
    expect(() => planNameservers(4, ['1.1.1.1', '2.2.2.2', '3.3.3.3', '4.4.4.4', '5.5.5.5', '6.6.6.6'])).toThrow(/exceeds the limit 5/);
  });
});

describe('security group rules', () => {
  it('normalizes protocols by name and number', () => {
    expect(normalizeProtocol('TCP')).toEqual({ text: 'tcp', number: 6 });
    expect(normalizeProtocol(17)).toEqual({ text: '17', number: 17 });
    expect(normalizeProtocol('any')).toEqual({ text: null, number: null });
    expect(() => normalizeProtocol('256')).toThrow(/not supported/);
  });

  it('treats 0.0.0.0/0 as no prefix and protocol numbers as their names when comparing', () => {
    const a = normalizeRule({ direction: 'ingress', protocol: 'tcp', portRangeMin: 22, portRangeMax: 22, remoteIpPrefix: '0.0.0.0/0' });
    const b = normalizeRule({ direction: 'ingress', protocol: '6', portRangeMin: 22, portRangeMax: 22 });
    expect(sameTraffic(a, b)).toBe(true);
    const c = normalizeRule({ direction: 'ingress', protocol: 'tcp', portRangeMin: 22, portRangeMax: 23 });
    expect(sameTraffic(a, c)).toBe(false);
    expect(normalizeRule({ direction: 'egress', ethertype: 'IPv4', remoteIpPrefix: '10.1.2.3/8' }).remoteIpPrefix).toBe('10.0.0.0/8');
  });
});
