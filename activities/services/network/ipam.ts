/**
 * IP address management for ports, inside the caller's transaction. Every subnet an allocation touches is locked
 * (`FOR NO KEY UPDATE`, in id order, so two ports never deadlock) before its free addresses are read, and the
 * `ip_allocations` primary key (subnet, address) backs that up: no address is ever handed out twice. Automatic
 * allocation takes the lowest free address of the subnet's pools, found in SQL from the gaps after used addresses,
 * so it costs the same on a /24 and on a /64.
 */
import type pg from 'pg';
import { isUuid } from './db.ts';
import {
  invalidAttribute,
  invalidInput,
  invalidIpForNetwork,
  invalidIpForSubnet,
  ipAlreadyAllocated,
  ipGenerationFailure,
  subnetNotFound,
} from './errors.ts';
import { formatIp, parseCidr, parseIp, type Cidr, type Ip } from './ip.ts';
import { isUsable } from './subnet-plan.ts';

export interface FixedIpRequest {
  subnetId?: string;
  ipAddress?: string;
}

export interface FixedIp {
  subnet_id: string;
  ip_address: string;
}

interface SubnetInfo {
  id: string;
  ip_version: number;
  cidr: Cidr;
  gateway: Ip | null;
}

interface PortRef {
  id: string;
  networkId: string;
  deviceOwner: string;
}

async function networkSubnets(db: pg.PoolClient, networkId: string): Promise<SubnetInfo[]> {
  const result = await db.query<{ id: string; ip_version: number; cidr: string; gateway_ip: string | null }>(
    `SELECT id, ip_version, cidr::text AS cidr, host(gateway_ip) AS gateway_ip FROM subnets
      WHERE network_id = $1 ORDER BY created_at, id`,
    [networkId],
  );
  return result.rows.map((r) => ({
    id: r.id,
    ip_version: r.ip_version,
    cidr: parseCidr(r.cidr)!.cidr,
    gateway: r.gateway_ip ? parseIp(r.gateway_ip)! : null,
  }));
}

async function lockSubnets(db: pg.PoolClient, ids: string[]): Promise<void> {
  const unique = [...new Set(ids)].sort();
  if (unique.length === 0) return;
  await db.query('SELECT 1 FROM subnets WHERE id = ANY($1::uuid[]) ORDER BY id FOR NO KEY UPDATE', [unique]);
}

/** The lowest address of the subnet's pools that no port holds, or undefined when the pools are full. */
async function lowestFree(db: pg.PoolClient, subnetId: string): Promise<string | undefined> {
  const result = await db.query<{ ip: string }>(
    `WITH pools AS (SELECT first_ip, last_ip FROM subnet_allocation_pools WHERE subnet_id = $1),
          used AS (SELECT ip_address FROM ip_allocations WHERE subnet_id = $1)
     SELECT host(c.ip) AS ip
       FROM (SELECT first_ip AS ip FROM pools
             UNION
             SELECT u.ip_address + 1 FROM used u WHERE u.ip_address < (SELECT max(last_ip) FROM pools)) c
      WHERE EXISTS (SELECT 1 FROM pools p WHERE c.ip BETWEEN p.first_ip AND p.last_ip)
        AND NOT EXISTS (SELECT 1 FROM used u WHERE u.ip_address = c.ip)
      ORDER BY c.ip
      LIMIT 1`,
    [subnetId],
  );
  return result.rows[0]?.ip;
}

async function claim(db: pg.PoolClient, port: PortRef, subnetId: string, ip: string): Promise<boolean> {
  const result = await db.query(
    `INSERT INTO ip_allocations (subnet_id, ip_address, port_id, network_id) VALUES ($1, $2, $3, $4)
     ON CONFLICT DO NOTHING`,
    [subnetId, ip, port.id, port.networkId],
  );
  return (result.rowCount ?? 0) > 0;
}

async function claimAny(db: pg.PoolClient, port: PortRef, subnetId: string): Promise<FixedIp | undefined> {
  // The subnet is locked, so the address found is still free when claimed; the loop only guards the invariant.
  for (let attempt = 0; attempt < 5; attempt++) {
    const ip = await lowestFree(db, subnetId);
    if (ip === undefined) return undefined;
    if (await claim(db, port, subnetId, ip)) return { subnet_id: subnetId, ip_address: ip };
  }
  return undefined;
}

interface Resolved {
  subnet: SubnetInfo;
  ip?: Ip;
}

async function resolve(db: pg.PoolClient, port: PortRef, subnets: SubnetInfo[], request: FixedIpRequest): Promise<Resolved> {
  let ip: Ip | undefined;
  if (request.ipAddress !== undefined) {
    ip = parseIp(request.ipAddress);
    if (!ip) throw invalidAttribute('fixed_ips', `'${request.ipAddress}' is not a valid IP address`);
  }
  if (request.subnetId !== undefined) {
    const subnet = subnets.find((s) => s.id === request.subnetId);
    if (!subnet) {
      const exists = isUuid(request.subnetId) && (await db.query('SELECT 1 FROM subnets WHERE id = $1', [request.subnetId])).rowCount;
      if (!exists) throw subnetNotFound(request.subnetId);
      throw invalidInput(`Failed to create port on network ${port.networkId}, because fixed_ips included invalid subnet ${request.subnetId}`);
    }
    if (ip && !isUsable(subnet.cidr, ip)) throw invalidIpForSubnet(request.ipAddress!);
    return { subnet, ip };
  }
  if (!ip) throw invalidInput('IP allocation requires subnet_id or ip_address');
  const subnet = subnets.find((s) => isUsable(s.cidr, ip));
  if (!subnet) throw invalidIpForNetwork(request.ipAddress!);
  return { subnet, ip };
}

/**
 * Gives the port its fixed IPs. With no requests: one address from the first IPv4 subnet with room and one from
 * the first IPv6 subnet with room (none when the network has no subnets). With requests: each names a subnet
 * (an address is picked), an address (its subnet is found) or both. `kept` are addresses the port already holds
 * and keeps (port updates); a request matching one is satisfied by it.
 */
export async function allocateFixedIps(
  db: pg.PoolClient,
  port: PortRef,
  requests: FixedIpRequest[] | undefined,
  kept: FixedIp[] = [],
): Promise<FixedIp[]> {
  const subnets = await networkSubnets(db, port.networkId);
  if (requests === undefined) {
    await lockSubnets(db, subnets.map((s) => s.id));
    const result: FixedIp[] = [];
    for (const version of [4, 6]) {
      const family = subnets.filter((s) => s.ip_version === version);
      if (family.length === 0) continue;
      let got: FixedIp | undefined;
      for (const subnet of family) {
        got = await claimAny(db, port, subnet.id);
        if (got) break;
      }
      if (!got) throw ipGenerationFailure(port.networkId);
      result.push(got);
    }
    return result;
  }

  const resolved: Resolved[] = [];
  for (const request of requests) resolved.push(await resolve(db, port, subnets, request));
  await lockSubnets(db, resolved.map((r) => r.subnet.id));
  const result: FixedIp[] = [];
  const remaining = [...kept];
  const take = (subnetId: string, ip?: string) => {
    const i = remaining.findIndex((k) => k.subnet_id === subnetId && (ip === undefined || k.ip_address === ip));
    return i < 0 ? undefined : remaining.splice(i, 1)[0];
  };
  // Named addresses first, so automatic picks cannot take them.
  for (const r of resolved.filter((x) => x.ip)) {
    const text = formatIp(r.ip!);
    const own = take(r.subnet.id, text);
    if (own) {
      result.push(own);
      continue;
    }
    if (result.some((f) => f.subnet_id === r.subnet.id && f.ip_address === text)) throw ipAlreadyAllocated(text, r.subnet.id);
    const isGateway = r.subnet.gateway?.value === r.ip!.value;
    if ((isGateway && !port.deviceOwner.startsWith('network:')) || !(await claim(db, port, r.subnet.id, text))) {
      throw ipAlreadyAllocated(text, r.subnet.id);
    }
    result.push({ subnet_id: r.subnet.id, ip_address: text });
  }
  for (const r of resolved.filter((x) => !x.ip)) {
    const got = take(r.subnet.id) ?? (await claimAny(db, port, r.subnet.id));
    if (!got) throw ipGenerationFailure(port.networkId);
    result.push(got);
  }
  return result;
}
