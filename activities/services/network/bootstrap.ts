import type pg from 'pg';
import { createNetwork } from './networks.ts';
import { createSubnet } from './subnets.ts';

export const BOOTSTRAP_NETWORK = 'private';
export const BOOTSTRAP_SUBNET = 'private-subnet';
export const BOOTSTRAP_CIDR = '10.0.0.0/24';

/**
 * First start: the shared `private` network with its subnet, so `networks: "auto"` works. Owned by the admin
 * project; each part is created only when absent (a network that has subnets is left as it is). A session advisory lock makes concurrent starters take turns.
 */
export async function bootstrapNetworks(pool: pg.Pool): Promise<void> {
  const admin = await pool.query<{ id: string }>(`SELECT id FROM projects WHERE domain_id = 'default' AND name = 'admin'`);
  const projectId = admin.rows[0]?.id;
  if (!projectId) return; // no identity bootstrap, nobody to own it
  const lock = await pool.connect();
  try {
    await lock.query('SELECT pg_advisory_lock(hashtext($1))', ['novaflow-network-bootstrap']);
    const found = await pool.query<{ id: string }>(
      'SELECT id FROM networks WHERE project_id = $1 AND name = $2 ORDER BY created_at LIMIT 1',
      [projectId, BOOTSTRAP_NETWORK],
    );
    const networkId =
      found.rows[0]?.id ??
      (await createNetwork(pool, { projectId, name: BOOTSTRAP_NETWORK, shared: true, description: 'Shared network made at first start' })).id;
    const subnets = await pool.query('SELECT 1 FROM subnets WHERE network_id = $1 LIMIT 1', [networkId]);
    if (subnets.rowCount === 0) {
      await createSubnet(pool, { projectId, networkId, name: BOOTSTRAP_SUBNET, cidr: BOOTSTRAP_CIDR, ipVersion: 4, gatewayIp: '10.0.0.1' });
    }
  } finally {
    await lock.query('SELECT pg_advisory_unlock(hashtext($1))', ['novaflow-network-bootstrap']).catch(() => undefined);
    lock.release();
  }
}
