/**
 * Candidate hosts and atomic claims. A claim locks the provider row, checks the free capacity under the lock,
 * records the allocation and bumps the provider generation, all in one transaction: two concurrent builds can
 * never over-commit a host. Claims and releases are idempotent per (provider, consumer).
 */
import type pg from 'pg';
import type { HostState, ResourceRequest } from '../scheduler/types.ts';
import { inTransaction } from '../../db/transaction.ts';

type Queryable = Pick<pg.Pool, 'query'>;

const FREE = {
  vcpus: `floor(rp.vcpus * rp.cpu_allocation_ratio) - COALESCE(u.vcpus, 0)`,
  memory: `floor(rp.memory_mb * rp.ram_allocation_ratio) - rp.reserved_host_memory_mb - COALESCE(u.memory_mb, 0)`,
  disk: `floor(rp.local_gb * rp.disk_allocation_ratio) - COALESCE(u.disk_gb, 0)`,
};

/** Up, enabled hosts with room for the request (Placement's allocation candidates), at most `limit`. */
export async function candidateHosts(
  db: Queryable,
  req: ResourceRequest,
  opts: { serviceDownTimeSeconds: number; limit?: number },
): Promise<HostState[]> {
  const result = await db.query(
    `SELECT rp.id, rp.uuid, rp.host, rp.name, s.availability_zone, s.disabled, rp.hypervisor_type, rp.hypervisor_version,
            rp.vcpus, rp.memory_mb, rp.local_gb, rp.cpu_allocation_ratio, rp.ram_allocation_ratio, rp.disk_allocation_ratio,
            rp.reserved_host_memory_mb, rp.failed_builds,
            COALESCE(u.vcpus, 0)::int AS vcpus_used, COALESCE(u.memory_mb, 0)::int AS memory_used,
            COALESCE(u.disk_gb, 0)::int AS disk_used, COALESCE(u.consumers, 0)::int AS consumers
       FROM resource_providers rp
       JOIN services s ON s.id = rp.service_id
       LEFT JOIN (SELECT resource_provider_id, sum(vcpus) AS vcpus, sum(memory_mb) AS memory_mb, sum(disk_gb) AS disk_gb,
                         count(*) AS consumers FROM allocations GROUP BY resource_provider_id) u ON u.resource_provider_id = rp.id
      WHERE s.state = 'up' AND NOT s.forced_down AND NOT s.disabled AND s.deleted_at IS NULL
        AND s.last_seen_at >= now() - make_interval(secs => $4)
        AND ${FREE.vcpus} >= $1 AND ${FREE.memory} >= $2 AND ${FREE.disk} >= $3
      ORDER BY rp.id LIMIT $5`,
    [req.vcpus, req.memoryMb, req.diskGb, opts.serviceDownTimeSeconds, opts.limit ?? 1000],
  );
  return result.rows.map((r) => ({
    providerId: String(r.id), providerUuid: r.uuid, host: r.host, node: r.name, availabilityZone: r.availability_zone,
    up: true, disabled: r.disabled, hypervisorType: r.hypervisor_type, hypervisorVersion: r.hypervisor_version,
    vcpus: r.vcpus, memoryMb: r.memory_mb, diskGb: r.local_gb, vcpusUsed: r.vcpus_used, memoryMbUsed: r.memory_used,
    diskGbUsed: r.disk_used, cpuAllocationRatio: Number(r.cpu_allocation_ratio), ramAllocationRatio: Number(r.ram_allocation_ratio),
    diskAllocationRatio: Number(r.disk_allocation_ratio), reservedHostMemoryMb: r.reserved_host_memory_mb,
    instanceCount: r.consumers, failedBuilds: r.failed_builds,
  }));
}

export type ClaimOutcome = 'claimed' | 'no-room' | 'gone';

/** Claims `req` on the provider for `consumerId`; a repeated claim by the same consumer is a no-op success. */
export async function claim(pool: pg.Pool, providerId: string, consumerId: string, req: ResourceRequest): Promise<ClaimOutcome> {
  return inTransaction(pool, async (db) => {
    const locked = await db.query('SELECT id FROM resource_providers WHERE id = $1 FOR UPDATE', [providerId]);
    if (!locked.rowCount) return 'gone';
    const existing = await db.query('SELECT 1 FROM allocations WHERE resource_provider_id = $1 AND consumer_id = $2', [providerId, consumerId]);
    if (existing.rowCount) return 'claimed';
    const room = await db.query(
      `SELECT (${FREE.vcpus}) >= $2 AND (${FREE.memory}) >= $3 AND (${FREE.disk}) >= $4 AS fits
         FROM resource_providers rp
         LEFT JOIN (SELECT resource_provider_id, sum(vcpus) AS vcpus, sum(memory_mb) AS memory_mb, sum(disk_gb) AS disk_gb
                      FROM allocations WHERE resource_provider_id = $1 GROUP BY resource_provider_id) u ON u.resource_provider_id = rp.id
        WHERE rp.id = $1`,
      [providerId, req.vcpus, req.memoryMb, req.diskGb],
    );
    if (!room.rows[0]?.fits) return 'no-room';
    await db.query(
      'INSERT INTO allocations (resource_provider_id, consumer_id, vcpus, memory_mb, disk_gb) VALUES ($1, $2, $3, $4, $5)',
      [providerId, consumerId, req.vcpus, req.memoryMb, req.diskGb],
    );
    await db.query('UPDATE resource_providers SET generation = generation + 1 WHERE id = $1', [providerId]);
    return 'claimed';
  });
}

/** Releases the consumer's allocations (on one provider, or everywhere). Idempotent. */
export async function release(db: Queryable, consumerId: string, providerId?: string): Promise<number> {
  const result = await db.query(
    `WITH gone AS (DELETE FROM allocations WHERE consumer_id = $1 AND ($2::bigint IS NULL OR resource_provider_id = $2)
                   RETURNING resource_provider_id)
     UPDATE resource_providers SET generation = generation + 1 WHERE id IN (SELECT resource_provider_id FROM gone)`,
    [consumerId, providerId ?? null],
  );
  return result.rowCount ?? 0;
}

export async function noteBuildResult(db: Queryable, host: string, failed: boolean): Promise<void> {
  await db.query(
    failed
      ? 'UPDATE resource_providers SET failed_builds = failed_builds + 1 WHERE host = $1'
      : 'UPDATE resource_providers SET failed_builds = 0 WHERE host = $1 AND failed_builds <> 0',
    [host],
  );
}
