/** Subnets: rows with their allocation pools, visibility, create (no overlap on a network), update, delete. */
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { inTransaction, isUuid, updateColumns, type Queryable, type Scope } from './db.ts';
import { invalidInput, networkNotFound, neutronError, subnetInUse, subnetNotFound } from './errors.ts';
import { formatCidr, formatIp, parseCidr, parseIp, type IpVersion } from './ip.ts';
import {
  checkGatewayClear,
  parseSubnetCidr,
  planGateway,
  planHostRoutes,
  planNameservers,
  planPools,
  poolRows,
  type HostRoute,
  type PoolText,
} from './subnet-plan.ts';

export interface Subnet {
  id: string;
  network_id: string;
  project_id: string;
  name: string;
  description: string;
  ip_version: IpVersion;
  cidr: string;
  gateway_ip: string | null;
  enable_dhcp: boolean;
  dns_nameservers: string[];
  host_routes: HostRoute[];
  ipv6_ra_mode: string | null;
  ipv6_address_mode: string | null;
  tags: string[];
  revision_number: number;
  created_at: Date;
  updated_at: Date;
  allocation_pools: PoolText[];
  /** Whether the subnet's network is shared (decides who may see it). */
  network_shared: boolean;
  /** The project owning the subnet's network. */
  network_project_id: string;
}

const SELECT = `
  SELECT s.*, s.cidr::text AS cidr, host(s.gateway_ip) AS gateway_ip,
         n.shared AS network_shared, n.project_id AS network_project_id,
         COALESCE((SELECT json_agg(json_build_object('start', host(p.first_ip), 'end', host(p.last_ip)) ORDER BY p.first_ip)
                     FROM subnet_allocation_pools p WHERE p.subnet_id = s.id), '[]') AS allocation_pools
    FROM subnets s JOIN networks n ON n.id = s.network_id`;

/** A subnet is visible to its project, to everyone when its network is shared, and to admins. */
export async function listSubnets(db: Queryable, scope: Scope, networkId?: string): Promise<Subnet[]> {
  const result = await db.query<Subnet>(
    `${SELECT} WHERE ($1 OR s.project_id = $2 OR n.shared) AND ($3::uuid IS NULL OR s.network_id = $3)
      ORDER BY s.created_at, s.id`,
    [scope.all, scope.projectId ?? null, networkId ?? null],
  );
  return result.rows;
}

export async function getSubnet(db: Queryable, id: string): Promise<Subnet | undefined> {
  if (!isUuid(id)) return undefined;
  const result = await db.query<Subnet>(`${SELECT} WHERE s.id = $1`, [id]);
  return result.rows[0];
}

export async function requireSubnet(db: Queryable, id: string): Promise<Subnet> {
  const subnet = await getSubnet(db, id);
  if (!subnet) throw subnetNotFound(id);
  return subnet;
}

export interface SubnetInput {
  id?: string;
  projectId: string;
  networkId: string;
  cidr: string;
  ipVersion?: number;
  name?: string;
  description?: string;
  /** undefined: the first usable address; null: no gateway. */
  gatewayIp?: string | null;
  allocationPools?: PoolText[];
  enableDhcp?: boolean;
  dnsNameservers?: string[];
  hostRoutes?: HostRoute[];
  ipv6RaMode?: string | null;
  ipv6AddressMode?: string | null;
  tags?: string[];
}

async function insertPools(db: Queryable, subnetId: string, pools: { first: string; last: string }[]): Promise<void> {
  for (const pool of pools) {
    await db.query('INSERT INTO subnet_allocation_pools (subnet_id, first_ip, last_ip) VALUES ($1, $2, $3)', [subnetId, pool.first, pool.last]);
  }
}

export async function createSubnet(pool: pg.Pool, input: SubnetInput): Promise<Subnet> {
  const cidr = parseSubnetCidr(input.cidr, input.ipVersion);
  const gateway = planGateway(cidr, input.gatewayIp);
  const pools = planPools(cidr, gateway, input.allocationPools);
  const dns = planNameservers(cidr.version, input.dnsNameservers ?? []);
  const routes = planHostRoutes(cidr.version, input.hostRoutes ?? []);
  const id = input.id ?? randomUUID();
  const cidrText = formatCidr(cidr);
  await inTransaction(pool, async (db) => {
    // Subnets of one network are created one at a time, so the overlap check below cannot race.
    const network = await db.query('SELECT 1 FROM networks WHERE id = $1 FOR NO KEY UPDATE', [input.networkId]);
    if (network.rowCount === 0) throw networkNotFound(input.networkId);
    const overlap = await db.query('SELECT 1 FROM subnets WHERE network_id = $1 AND cidr && $2::cidr LIMIT 1', [input.networkId, cidrText]);
    if ((overlap.rowCount ?? 0) > 0) {
      throw invalidInput(`Requested subnet with cidr: ${cidrText} for network: ${input.networkId} overlaps with another subnet`);
    }
    await db.query(
      `INSERT INTO subnets (id, network_id, project_id, name, description, ip_version, cidr, gateway_ip, enable_dhcp,
                            dns_nameservers, host_routes, ipv6_ra_mode, ipv6_address_mode, tags)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
      [id, input.networkId, input.projectId, input.name ?? '', input.description ?? '', cidr.version, cidrText,
        gateway ? formatIp(gateway) : null, input.enableDhcp ?? true, dns, JSON.stringify(routes),
        input.ipv6RaMode ?? null, input.ipv6AddressMode ?? null, input.tags ?? []],
    );
    await insertPools(db, id, poolRows(cidr.version, pools));
  });
  return requireSubnet(pool, id);
}

export interface SubnetPatch {
  name?: string;
  description?: string;
  gatewayIp?: string | null;
  allocationPools?: PoolText[];
  enableDhcp?: boolean;
  dnsNameservers?: string[];
  hostRoutes?: HostRoute[];
}

export async function updateSubnet(pool: pg.Pool, id: string, patch: SubnetPatch): Promise<Subnet> {
  if (!isUuid(id)) throw subnetNotFound(id);
  await inTransaction(pool, async (db) => {
    const locked = await db.query('SELECT 1 FROM subnets WHERE id = $1 FOR UPDATE', [id]);
    if (locked.rowCount === 0) throw subnetNotFound(id);
    const current = (await getSubnet(db, id))!;
    const cidr = parseCidr(current.cidr)!.cidr;
    const gateway =
      patch.gatewayIp === undefined ? (current.gateway_ip ? parseIp(current.gateway_ip)! : null) : planGateway(cidr, patch.gatewayIp);
    if (patch.allocationPools !== undefined) {
      const pools = planPools(cidr, gateway, patch.allocationPools);
      await db.query('DELETE FROM subnet_allocation_pools WHERE subnet_id = $1', [id]);
      await insertPools(db, id, poolRows(cidr.version, pools));
    } else if (gateway) {
      const pools = current.allocation_pools.map((p) => ({ first: parseIp(p.start)!.value, last: parseIp(p.end)!.value }));
      checkGatewayClear(cidr, gateway, pools);
    }
    if (gateway && patch.gatewayIp !== undefined) {
      const taken = await db.query('SELECT 1 FROM ip_allocations WHERE subnet_id = $1 AND ip_address = $2', [id, formatIp(gateway)]);
      if ((taken.rowCount ?? 0) > 0) {
        throw neutronError(409, 'GatewayIpInUse', `Current gateway ip ${formatIp(gateway)} already in use by a port on subnet ${id}.`);
      }
    }
    await updateColumns(db, 'subnets', id, {
      name: patch.name,
      description: patch.description,
      gateway_ip: patch.gatewayIp === undefined ? undefined : gateway ? formatIp(gateway) : null,
      enable_dhcp: patch.enableDhcp,
      dns_nameservers: patch.dnsNameservers && planNameservers(cidr.version, patch.dnsNameservers),
      host_routes: patch.hostRoutes && JSON.stringify(planHostRoutes(cidr.version, patch.hostRoutes)),
    });
  });
  return requireSubnet(pool, id);
}

/** Deletes a subnet no port holds an address in (the network's own ports excepted). False when absent. */
export async function deleteSubnet(pool: pg.Pool, id: string): Promise<boolean> {
  if (!isUuid(id)) return false;
  return inTransaction(pool, async (db) => {
    const locked = await db.query('SELECT 1 FROM subnets WHERE id = $1 FOR UPDATE', [id]);
    if (locked.rowCount === 0) return false;
    const inUse = await db.query(
      `SELECT 1 FROM ip_allocations a JOIN ports p ON p.id = a.port_id
        WHERE a.subnet_id = $1 AND p.device_owner NOT LIKE 'network:%' LIMIT 1`,
      [id],
    );
    if ((inUse.rowCount ?? 0) > 0) throw subnetInUse(id);
    await db.query('DELETE FROM ip_allocations WHERE subnet_id = $1', [id]);
    await db.query('DELETE FROM subnets WHERE id = $1', [id]);
    return true;
  });
}
