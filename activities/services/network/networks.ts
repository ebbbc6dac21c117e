/** Networks: rows, visibility, create, update and delete (with Neutron's in-use rule). */
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { inTransaction, isUuid, updateColumns, type Queryable, type Scope } from './db.ts';
import { networkInUse, networkNotFound } from './errors.ts';

export interface Network {
  id: string;
  project_id: string;
  name: string;
  description: string;
  admin_state_up: boolean;
  status: string;
  shared: boolean;
  external: boolean;
  mtu: number;
  port_security_enabled: boolean;
  tags: string[];
  revision_number: number;
  created_at: Date;
  updated_at: Date;
  /** Ids of the network's subnets, oldest first. */
  subnets: string[];
}

const SELECT = `
  SELECT n.*,
         COALESCE((SELECT array_agg(s.id::text ORDER BY s.created_at, s.id) FROM subnets s WHERE s.network_id = n.id), '{}') AS subnets
    FROM networks n`;

/** A network is visible to its project, to everyone when shared or external, and to admins. */
export async function listNetworks(db: Queryable, scope: Scope): Promise<Network[]> {
  const result = await db.query<Network>(
    `${SELECT} WHERE $1 OR n.project_id = $2 OR n.shared OR n.external ORDER BY n.created_at, n.id`,
    [scope.all, scope.projectId ?? null],
  );
  return result.rows;
}

export async function getNetwork(db: Queryable, id: string): Promise<Network | undefined> {
  if (!isUuid(id)) return undefined;
  const result = await db.query<Network>(`${SELECT} WHERE n.id = $1`, [id]);
  return result.rows[0];
}

export async function requireNetwork(db: Queryable, id: string): Promise<Network> {
  const network = await getNetwork(db, id);
  if (!network) throw networkNotFound(id);
  return network;
}

export interface NetworkInput {
  id?: string;
  projectId: string;
  name?: string;
  description?: string;
  adminStateUp?: boolean;
  shared?: boolean;
  external?: boolean;
  mtu?: number;
  portSecurityEnabled?: boolean;
  tags?: string[];
}

export async function createNetwork(db: Queryable, input: NetworkInput): Promise<Network> {
  const id = input.id ?? randomUUID();
  await db.query(
    `INSERT INTO networks (id, project_id, name, description, admin_state_up, shared, external, mtu, port_security_enabled, tags)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (id) DO NOTHING`,
    [id, input.projectId, input.name ?? '', input.description ?? '', input.adminStateUp ?? true, input.shared ?? false,
      input.external ?? false, input.mtu ?? 1500, input.portSecurityEnabled ?? true, input.tags ?? []],
  );
  return requireNetwork(db, id);
}

export interface NetworkPatch {
  name?: string;
  description?: string;
  adminStateUp?: boolean;
  shared?: boolean;
  external?: boolean;
  mtu?: number;
  portSecurityEnabled?: boolean;
}

export async function updateNetwork(db: Queryable, id: string, patch: NetworkPatch): Promise<Network> {
  const found = await updateColumns(db, 'networks', id, {
    name: patch.name,
    description: patch.description,
    admin_state_up: patch.adminStateUp,
    shared: patch.shared,
    external: patch.external,
    mtu: patch.mtu,
    port_security_enabled: patch.portSecurityEnabled,
  });
  if (!found) throw networkNotFound(id);
  return requireNetwork(db, id);
}

/**
 * Deletes a network with its subnets and the ports the network itself owns (`network:*` devices, e.g. DHCP).
 * Any other port keeps it in use (409). Returns false when there was no such network.
 */
export async function deleteNetwork(pool: pg.Pool, id: string): Promise<boolean> {
  if (!isUuid(id)) return false;
  return inTransaction(pool, async (db) => {
    const locked = await db.query('SELECT 1 FROM networks WHERE id = $1 FOR UPDATE', [id]);
    if (locked.rowCount === 0) return false;
    const inUse = await db.query(
      `SELECT 1 FROM ports WHERE network_id = $1 AND device_owner NOT LIKE 'network:%' LIMIT 1`,
      [id],
    );
    if ((inUse.rowCount ?? 0) > 0) throw networkInUse(id);
    await db.query('DELETE FROM ports WHERE network_id = $1', [id]);
    await db.query('DELETE FROM ip_allocations WHERE network_id = $1', [id]);
    await db.query('DELETE FROM subnets WHERE network_id = $1', [id]);
    await db.query('DELETE FROM networks WHERE id = $1', [id]);
    return true;
  });
}
