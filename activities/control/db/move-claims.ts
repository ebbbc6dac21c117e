/**
 * Allocations during a move, as Placement's migration allocations: while a server is resized or migrated, its
 * source host's allocation is held by the migration's uuid and the instance's uuid holds the destination's. Confirm
 * drops the migration's; revert drops the instance's and hands the migration's back. An evacuated instance holds
 * both until its dead source host returns and is cleaned. Each function is idempotent.
 */
import type pg from 'pg';
import { inTransaction } from '../../db/transaction.ts';

type Queryable = Pick<pg.Pool, 'query'>;

export interface ProviderAllocation {
  providerId: string;
  host: string;
  node: string;
  vcpus: number;
  memoryMb: number;
  diskGb: number;
}

/** Moves every allocation of `from` to `to` (a no-op when `from` holds none, as on a retry). */
export async function moveAllocations(pool: pg.Pool, from: string, to: string): Promise<void> {
  await inTransaction(pool, async (db) => {
    const moved = await db.query<{ resource_provider_id: string }>(
      `UPDATE allocations SET consumer_id = $2 WHERE consumer_id = $1
          AND NOT EXISTS (SELECT 1 FROM allocations b WHERE b.consumer_id = $2 AND b.resource_provider_id = allocations.resource_provider_id)
        RETURNING resource_provider_id`,
      [from, to],
    );
    // A provider where `to` already held an allocation keeps that one: `from`'s is dropped (a retried hand-back).
    await db.query('DELETE FROM allocations WHERE consumer_id = $1', [from]);
    const providers = moved.rows.map((r) => r.resource_provider_id);
    if (providers.length) await db.query('UPDATE resource_providers SET generation = generation + 1 WHERE id = ANY($1)', [providers]);
  });
}

/** The consumer's allocations, with their providers' hosts. */
export async function allocationsOf(db: Queryable, consumerId: string): Promise<ProviderAllocation[]> {
  const result = await db.query(
    `SELECT a.resource_provider_id, rp.host, rp.name, a.vcpus, a.memory_mb, a.disk_gb
       FROM allocations a JOIN resource_providers rp ON rp.id = a.resource_provider_id
      WHERE a.consumer_id = $1 ORDER BY a.id`,
    [consumerId],
  );
  return result.rows.map((r) => ({
    providerId: String(r.resource_provider_id), host: r.host, node: r.name, vcpus: r.vcpus, memoryMb: r.memory_mb, diskGb: r.disk_gb,
  }));
}
