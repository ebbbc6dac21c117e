/** Queries on compute services and their resource providers. */
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { HostInfo } from '../../host/driver.ts';
import { inTransaction } from '../../db/transaction.ts';

type Queryable = Pick<pg.Pool, 'query'>;

/**
 * Records a compute host as an up `nova-compute` service with its resource provider and inventory.
 * Idempotent: replaying the same report leaves the same rows; the provider generation moves only when the
 * inventory really changes.
 */
export async function upsertComputeHost(db: pg.Pool, info: HostInfo, seenAt: Date, availabilityZone = 'nova'): Promise<void> {
  await inTransaction(db, async (client) => {
    const service = await client.query<{ id: string }>(
      `INSERT INTO services (uuid, host, "binary", topic, availability_zone, state, last_seen_at, report_count, updated_at)
       VALUES ($1, $2, 'nova-compute', 'compute', $3, 'up', $4, 1, now())
       ON CONFLICT (host, "binary") DO UPDATE
         SET state = 'up', deleted_at = NULL, report_count = services.report_count + 1, updated_at = now(),
             last_seen_at = GREATEST(services.last_seen_at, EXCLUDED.last_seen_at)
       RETURNING id`,
      [randomUUID(), info.host, availabilityZone, seenAt],
    );
    const serviceId = service.rows[0]!.id;
    await client.query(
      `INSERT INTO resource_providers (uuid, name, host, service_id, hypervisor_type, hypervisor_version, host_ip,
                                       vcpus, memory_mb, local_gb, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, now())
       ON CONFLICT (name) DO UPDATE
         SET host = EXCLUDED.host, service_id = EXCLUDED.service_id, hypervisor_type = EXCLUDED.hypervisor_type,
             hypervisor_version = EXCLUDED.hypervisor_version, host_ip = EXCLUDED.host_ip, vcpus = EXCLUDED.vcpus,
             memory_mb = EXCLUDED.memory_mb, local_gb = EXCLUDED.local_gb, updated_at = now(),
             generation = resource_providers.generation + 1
         WHERE (resource_providers.vcpus, resource_providers.memory_mb, resource_providers.local_gb,
                resource_providers.host, resource_providers.hypervisor_type, resource_providers.hypervisor_version,
                resource_providers.host_ip, resource_providers.service_id)
           IS DISTINCT FROM (EXCLUDED.vcpus, EXCLUDED.memory_mb, EXCLUDED.local_gb, EXCLUDED.host,
                EXCLUDED.hypervisor_type, EXCLUDED.hypervisor_version, EXCLUDED.host_ip, EXCLUDED.service_id)`,
      [randomUUID(), info.hypervisorHostname, info.host, serviceId, info.hypervisorType, info.hypervisorVersion,
        info.hostIp, info.vcpus, info.memoryMb, info.localGb],
    );
  });
}

/** Notes a heartbeat of an up host without touching its inventory. */
export async function touchComputeHost(db: Queryable, host: string, seenAt: Date): Promise<void> {
  await db.query(
    `UPDATE services SET last_seen_at = GREATEST(last_seen_at, $2), report_count = report_count + 1
     WHERE host = $1 AND "binary" = 'nova-compute'`,
    [host, seenAt],
  );
}

export async function markComputeHostDown(db: Queryable, host: string): Promise<void> {
  await db.query(
    `UPDATE services SET state = 'down', updated_at = now() WHERE host = $1 AND "binary" = 'nova-compute' AND state = 'up'`,
    [host],
  );
}

/** Controller-side services (scheduler, conductor) heartbeat straight into the database they own. */
export async function heartbeatControlService(db: Queryable, host: string, binary: string, topic: string): Promise<void> {
  await db.query(
    `INSERT INTO services (uuid, host, "binary", topic, availability_zone, state, last_seen_at, report_count, updated_at)
     VALUES ($1, $2, $3, $4, 'internal', 'up', now(), 1, now())
     ON CONFLICT (host, "binary") DO UPDATE
       SET state = 'up', last_seen_at = now(), report_count = services.report_count + 1, deleted_at = NULL`,
    [randomUUID(), host, binary, topic],
  );
}

export interface ServiceRow {
  id: string;
  uuid: string;
  host: string;
  binary: string;
  topic: string;
  availability_zone: string;
  disabled: boolean;
  disabled_reason: string | null;
  forced_down: boolean;
  /** Up only while the monitor says so and a heartbeat came within the down time (covers a dead controller). */
  is_up: boolean;
  last_seen_at: Date | null;
  updated_at: Date | null;
  created_at: Date;
}

export async function listServices(db: Queryable, serviceDownTimeSeconds: number): Promise<ServiceRow[]> {
  const result = await db.query<ServiceRow>(
    `SELECT id, uuid, host, "binary", topic, availability_zone, disabled, disabled_reason, forced_down,
            (state = 'up' AND NOT forced_down AND last_seen_at >= now() - make_interval(secs => $1)) AS is_up,
            last_seen_at, updated_at, created_at
     FROM services WHERE deleted_at IS NULL ORDER BY id`,
    [serviceDownTimeSeconds],
  );
  return result.rows;
}

export async function getServiceByUuid(db: Queryable, uuid: string, serviceDownTimeSeconds: number): Promise<ServiceRow | undefined> {
  return (await listServices(db, serviceDownTimeSeconds)).find((s) => s.uuid === uuid);
}

export async function updateServiceStatus(
  db: Queryable,
  uuid: string,
  change: { disabled?: boolean; disabledReason?: string | null; forcedDown?: boolean },
): Promise<void> {
  await db.query(
    `UPDATE services SET
       disabled = COALESCE($2, disabled),
       disabled_reason = CASE WHEN $2 IS NULL THEN disabled_reason WHEN $2 THEN $3 ELSE NULL END,
       forced_down = COALESCE($4, forced_down),
       updated_at = now()
     WHERE uuid = $1`,
    [uuid, change.disabled ?? null, change.disabledReason ?? null, change.forcedDown ?? null],
  );
}

/** Removes a compute service and its resource provider; false while the provider still holds allocations. */
export async function deleteComputeService(pool: pg.Pool, uuid: string): Promise<'deleted' | 'in-use' | 'missing'> {
  return inTransaction(pool, async (db) => {
    const svc = await db.query<{ id: string }>('SELECT id FROM services WHERE uuid = $1 FOR UPDATE', [uuid]);
    if (!svc.rows[0]) return 'missing';
    const used = await db.query(
      'SELECT 1 FROM allocations a JOIN resource_providers rp ON rp.id = a.resource_provider_id WHERE rp.service_id = $1 LIMIT 1',
      [svc.rows[0].id],
    );
    if (used.rowCount) return 'in-use';
    await db.query('DELETE FROM resource_providers WHERE service_id = $1', [svc.rows[0].id]);
    await db.query('DELETE FROM services WHERE id = $1', [svc.rows[0].id]);
    return 'deleted';
  });
}

/** A host's compute service as the move checks see it: up (heartbeating, not forced down), disabled. */
export async function computeServiceOf(
  db: Queryable,
  host: string,
  serviceDownTimeSeconds: number,
): Promise<{ uuid: string; up: boolean; disabled: boolean; forcedDown: boolean } | undefined> {
  const result = await db.query<{ uuid: string; up: boolean; disabled: boolean; forced_down: boolean }>(
    `SELECT uuid, disabled, forced_down, (state = 'up' AND NOT forced_down AND last_seen_at >= now() - make_interval(secs => $2)) AS up
       FROM services WHERE host = $1 AND "binary" = 'nova-compute' AND deleted_at IS NULL`,
    [host, serviceDownTimeSeconds],
  );
  const r = result.rows[0];
  return r && { uuid: r.uuid, up: r.up === true, disabled: r.disabled, forcedDown: r.forced_down };
}
