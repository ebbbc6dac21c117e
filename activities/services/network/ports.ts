/**
 * Ports: the data-layer functions the network API and (later) the compute controller call. A port gets a unique
 * `fa:16:3e:xx:xx:xx` MAC on its network, fixed IPs from IPAM, and its project's default security group unless it
 * names others or has port security off. `createPort` with an `id` is idempotent (a retried activity gets the port
 * it already made); `deletePort` frees the port's addresses and is idempotent too.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type pg from 'pg';
import { inTransaction, isUuid, pgCode, updateColumns, type Queryable, type Scope } from './db.ts';
import { invalidAttribute, macInUse, neutronError, networkNotFound, portNotFound, securityGroupNotFound } from './errors.ts';
import { allocateFixedIps, type FixedIp, type FixedIpRequest } from './ipam.ts';
import { requireNetwork } from './networks.ts';
import { ensureDefaultSecurityGroup } from './security-groups.ts';

export type { FixedIp, FixedIpRequest } from './ipam.ts';

export interface Port {
  id: string;
  network_id: string;
  project_id: string;
  name: string;
  description: string;
  mac_address: string;
  admin_state_up: boolean;
  device_id: string;
  device_owner: string;
  port_security_enabled: boolean;
  binding_host_id: string;
  binding_vnic_type: string;
  binding_profile: Record<string, unknown>;
  tags: string[];
  revision_number: number;
  created_at: Date;
  updated_at: Date;
  fixed_ips: FixedIp[];
  security_groups: string[];
  /** The project owning the port's network (network owners see and manage ports on their networks). */
  network_project_id: string;
}

const SELECT = `
  SELECT p.*, p.mac_address::text AS mac_address, n.project_id AS network_project_id,
         COALESCE((SELECT json_agg(json_build_object('subnet_id', a.subnet_id, 'ip_address', host(a.ip_address))
                                   ORDER BY family(a.ip_address), a.ip_address)
                     FROM ip_allocations a WHERE a.port_id = p.id), '[]') AS fixed_ips,
         COALESCE((SELECT array_agg(g.security_group_id::text ORDER BY g.security_group_id)
                     FROM port_security_groups g WHERE g.port_id = p.id), '{}') AS security_groups
    FROM ports p JOIN networks n ON n.id = p.network_id`;

/** ACTIVE once bound to a host and administratively up; DOWN otherwise. */
export const portStatus = (port: Pick<Port, 'admin_state_up' | 'binding_host_id'>) =>
  port.admin_state_up && port.binding_host_id !== '' ? 'ACTIVE' : 'DOWN';

export interface PortFilter {
  networkId?: string;
  deviceId?: string;
}

/** Ports visible in the scope: the project's own and those on networks it owns (admins: all). */
export async function listPorts(db: Queryable, scope: Scope, filter: PortFilter = {}): Promise<Port[]> {
  if (filter.networkId !== undefined && !isUuid(filter.networkId)) return [];
  const result = await db.query<Port>(
    `${SELECT} WHERE ($1 OR p.project_id = $2 OR n.project_id = $2)
        AND ($3::uuid IS NULL OR p.network_id = $3) AND ($4::text IS NULL OR p.device_id = $4)
      ORDER BY p.created_at, p.id`,
    [scope.all, scope.projectId ?? null, filter.networkId ?? null, filter.deviceId ?? null],
  );
  return result.rows;
}

export async function getPort(db: Queryable, id: string): Promise<Port | undefined> {
  if (!isUuid(id)) return undefined;
  const result = await db.query<Port>(`${SELECT} WHERE p.id = $1`, [id]);
  return result.rows[0];
}

export async function requirePort(db: Queryable, id: string): Promise<Port> {
  const port = await getPort(db, id);
  if (!port) throw portNotFound(id);
  return port;
}

export function randomMac(): string {
  return ['fa', '16', '3e', ...[...randomBytes(3)].map((b) => b.toString(16).padStart(2, '0'))].join(':');
}

/** A unicast, non-zero MAC in lower case, or a 400. */
export function normalizeMac(text: string): string {
  const mac = text.toLowerCase().replaceAll('-', ':');
  if (!/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/.test(mac) || mac === '00:00:00:00:00:00' || parseInt(mac.slice(0, 2), 16) & 1) {
    throw invalidAttribute('mac_address', `'${text}' is not a valid MAC address`);
  }
  return mac;
}

export interface PortInput {
  /** Makes creation idempotent: an existing port with this id is returned as it is. */
  id?: string;
  projectId: string;
  networkId: string;
  name?: string;
  description?: string;
  macAddress?: string;
  adminStateUp?: boolean;
  deviceId?: string;
  deviceOwner?: string;
  /** Omitted: an address from each address family's first subnet with room. */
  fixedIps?: FixedIpRequest[];
  /** Omitted: the project's default group (none when port security is off). */
  securityGroups?: string[];
  portSecurityEnabled?: boolean;
  hostId?: string;
  vnicType?: string;
  profile?: Record<string, unknown>;
  tags?: string[];
}

const sgNeedsPortSecurity = () =>
  neutronError(400, 'PortSecurityAndIPRequiredForSecurityGroups',
    'Port security must be enabled and port must have an IP address in order to use security groups.');

async function checkGroups(db: Queryable, projectId: string, groups: string[]): Promise<string[]> {
  const unique = [...new Set(groups)];
  for (const id of unique) {
    const found = isUuid(id) && (await db.query('SELECT 1 FROM security_groups WHERE id = $1 AND project_id = $2', [id, projectId])).rowCount;
    if (!found) throw securityGroupNotFound(id);
  }
  return unique;
}

async function setGroups(db: Queryable, portId: string, groups: string[]): Promise<void> {
  await db.query('DELETE FROM port_security_groups WHERE port_id = $1', [portId]);
  for (const group of groups) {
    await db.query('INSERT INTO port_security_groups (port_id, security_group_id) VALUES ($1, $2)', [portId, group]);
  }
}

class PortExists extends Error {}

export async function createPort(pool: pg.Pool, input: PortInput): Promise<Port> {
  if (input.id !== undefined) {
    const existing = await getPort(pool, input.id);
    if (existing) return existing;
  }
  const network = await requireNetwork(pool, input.networkId);
  const deviceOwner = input.deviceOwner ?? '';
  const portSecurity = input.portSecurityEnabled ?? network.port_security_enabled;
  let groups: string[];
  if (input.securityGroups === undefined) {
    groups = portSecurity && !deviceOwner.startsWith('network:') ? [await ensureDefaultSecurityGroup(pool, input.projectId)] : [];
  } else {
    if (input.securityGroups.length > 0 && !portSecurity) throw sgNeedsPortSecurity();
    groups = await checkGroups(pool, input.projectId, input.securityGroups);
  }
  const mac = input.macAddress === undefined ? undefined : normalizeMac(input.macAddress);
  const id = input.id ?? randomUUID();
  try {
    await inTransaction(pool, async (db) => {
      const locked = await db.query('SELECT 1 FROM networks WHERE id = $1 FOR KEY SHARE', [input.networkId]);
      if (locked.rowCount === 0) throw networkNotFound(input.networkId);
      for (let attempt = 0; ; attempt++) {
        const candidate = mac ?? randomMac();
        const inserted = await db.query(
          `INSERT INTO ports (id, network_id, project_id, name, description, mac_address, admin_state_up, device_id,
                              device_owner, port_security_enabled, binding_host_id, binding_vnic_type, binding_profile, tags)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) ON CONFLICT DO NOTHING`,
          [id, input.networkId, input.projectId, input.name ?? '', input.description ?? '', candidate, input.adminStateUp ?? true,
            input.deviceId ?? '', deviceOwner, portSecurity, input.hostId ?? '', input.vnicType ?? 'normal',
            JSON.stringify(input.profile ?? {}), input.tags ?? []],
        );
        if (inserted.rowCount === 1) break;
        if ((await db.query('SELECT 1 FROM ports WHERE id = $1', [id])).rowCount) throw new PortExists();
        if (mac !== undefined) throw macInUse(input.networkId, mac);
        if (attempt >= 10) throw new Error('no free MAC address after 10 attempts');
      }
      await allocateFixedIps(db, { id, networkId: input.networkId, deviceOwner }, input.fixedIps);
      await setGroups(db, id, groups);
    });
  } catch (err) {
    if (!(err instanceof PortExists)) throw err;
  }
  return requirePort(pool, id);
}

export interface PortPatch {
  name?: string;
  description?: string;
  adminStateUp?: boolean;
  deviceId?: string;
  deviceOwner?: string;
  hostId?: string;
  vnicType?: string;
  profile?: Record<string, unknown>;
  macAddress?: string;
  portSecurityEnabled?: boolean;
  securityGroups?: string[];
  /** Replaces the port's addresses: entries matching addresses it holds keep them, the others are freed. */
  fixedIps?: FixedIpRequest[];
}

export async function updatePort(pool: pg.Pool, id: string, patch: PortPatch): Promise<Port> {
  if (!isUuid(id)) throw portNotFound(id);
  await inTransaction(pool, async (db) => {
    const locked = await db.query('SELECT 1 FROM ports WHERE id = $1 FOR UPDATE', [id]);
    if (locked.rowCount === 0) throw portNotFound(id);
    const current = (await getPort(db, id))!;
    const portSecurity = patch.portSecurityEnabled ?? current.port_security_enabled;
    const groups = patch.securityGroups ?? current.security_groups;
    if (!portSecurity && groups.length > 0) {
      if (patch.securityGroups !== undefined) throw sgNeedsPortSecurity();
      throw neutronError(409, 'PortSecurityPortHasSecurityGroup',
        'Port has security group associated. Cannot disable port security or ip address until security group is removed');
    }
    if (patch.securityGroups !== undefined) await setGroups(db, id, await checkGroups(db, current.project_id, patch.securityGroups));
    const mac = patch.macAddress === undefined ? undefined : normalizeMac(patch.macAddress);
    if (patch.fixedIps !== undefined) {
      const owner = patch.deviceOwner ?? current.device_owner;
      const wanted = await allocateFixedIps(db, { id, networkId: current.network_id, deviceOwner: owner }, patch.fixedIps, current.fixed_ips);
      for (const old of current.fixed_ips) {
        if (!wanted.some((w) => w.subnet_id === old.subnet_id && w.ip_address === old.ip_address)) {
          await db.query('DELETE FROM ip_allocations WHERE subnet_id = $1 AND ip_address = $2 AND port_id = $3', [old.subnet_id, old.ip_address, id]);
        }
      }
    }
    try {
      await updateColumns(db, 'ports', id, {
        name: patch.name,
        description: patch.description,
        admin_state_up: patch.adminStateUp,
        device_id: patch.deviceId,
        device_owner: patch.deviceOwner,
        binding_host_id: patch.hostId,
        binding_vnic_type: patch.vnicType,
        binding_profile: patch.profile && JSON.stringify(patch.profile),
        mac_address: mac,
        port_security_enabled: patch.portSecurityEnabled,
      });
    } catch (err) {
      if (pgCode(err) === '23505' && mac) throw macInUse(current.network_id, mac);
      throw err;
    }
  });
  return requirePort(pool, id);
}

/** Deletes a port and frees its addresses. False when there was no such port. */
export async function deletePort(db: Queryable, id: string): Promise<boolean> {
  if (!isUuid(id)) return false;
  const result = await db.query('DELETE FROM ports WHERE id = $1', [id]);
  return (result.rowCount ?? 0) > 0;
}

/** Deletes every port of a device (an instance going away); returns how many there were. */
export async function deletePortsOfDevice(db: Queryable, deviceId: string): Promise<number> {
  const result = await db.query('DELETE FROM ports WHERE device_id = $1', [deviceId]);
  return result.rowCount ?? 0;
}
