/** Hypervisors as the os-hypervisors API shows them: resource providers with their service and usage. */
import type pg from 'pg';

type Queryable = Pick<pg.Pool, 'query'>;

export interface HypervisorRow {
  id: string;
  uuid: string;
  name: string;
  host: string;
  host_ip: string | null;
  hypervisor_type: string;
  hypervisor_version: number;
  vcpus: number;
  memory_mb: number;
  local_gb: number;
  vcpus_used: number;
  memory_mb_used: number;
  local_gb_used: number;
  running_vms: number;
  service_id: string | null;
  service_uuid: string | null;
  disabled: boolean;
  disabled_reason: string | null;
  is_up: boolean;
}

/** Hypervisors, optionally one by uuid or integer id, or those whose name contains `pattern`. */
export async function listHypervisors(
  db: Queryable,
  serviceDownTimeSeconds: number,
  filter: { id?: string; pattern?: string } = {},
): Promise<HypervisorRow[]> {
  const byId = filter.id === undefined ? null : filter.id;
  const result = await db.query<HypervisorRow>(
    `SELECT rp.id, rp.uuid, rp.name, rp.host, host(rp.host_ip) AS host_ip, rp.hypervisor_type, rp.hypervisor_version,
            rp.vcpus, rp.memory_mb, rp.local_gb,
            COALESCE(u.vcpus, 0)::int AS vcpus_used,
            (COALESCE(u.memory_mb, 0) + rp.reserved_host_memory_mb)::int AS memory_mb_used,
            COALESCE(u.disk_gb, 0)::int AS local_gb_used, COALESCE(u.consumers, 0)::int AS running_vms,
            s.id AS service_id, s.uuid AS service_uuid, COALESCE(s.disabled, false) AS disabled, s.disabled_reason,
            COALESCE(s.state = 'up' AND NOT s.forced_down AND s.last_seen_at >= now() - make_interval(secs => $1), false) AS is_up
       FROM resource_providers rp
       LEFT JOIN services s ON s.id = rp.service_id
       LEFT JOIN (SELECT resource_provider_id, sum(vcpus) AS vcpus, sum(memory_mb) AS memory_mb, sum(disk_gb) AS disk_gb,
                         count(*) AS consumers
                    FROM allocations GROUP BY resource_provider_id) u ON u.resource_provider_id = rp.id
      WHERE ($2::text IS NULL OR rp.uuid::text = $2 OR rp.id::text = $2)
        AND ($3::text IS NULL OR rp.name LIKE '%' || $3 || '%')
      ORDER BY rp.id`,
    [serviceDownTimeSeconds, byId, filter.pattern ?? null],
  );
  return result.rows;
}
