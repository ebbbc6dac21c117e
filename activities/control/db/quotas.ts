/**
 * Compute quotas: Nova's defaults, per-project overrides, usage counted from the instances themselves, and the
 * check a server create makes inside its transaction under a per-project lock — so concurrent creates can never
 * exceed a limit together.
 */
import type pg from 'pg';

type Queryable = Pick<pg.Pool, 'query'>;

export const DEFAULT_QUOTAS = {
  instances: 10,
  cores: 20,
  ram: 51200,
  metadata_items: 128,
  key_pairs: 100,
  server_groups: 10,
  server_group_members: 10,
  injected_files: 5,
  injected_file_content_bytes: 10240,
  injected_file_path_bytes: 255,
} as const;

export type QuotaResource = keyof typeof DEFAULT_QUOTAS;

export async function quotaLimits(db: Queryable, projectId: string): Promise<Record<QuotaResource, number>> {
  const rows = await db.query<{ resource: string; hard_limit: number }>('SELECT resource, hard_limit FROM quotas WHERE project_id = $1', [projectId]);
  const limits: Record<string, number> = { ...DEFAULT_QUOTAS };
  for (const r of rows.rows) if (r.resource in limits) limits[r.resource] = r.hard_limit;
  return limits as Record<QuotaResource, number>;
}

export interface ComputeUsage {
  instances: number;
  cores: number;
  ram: number;
}

export async function computeUsage(db: Queryable, projectId: string): Promise<ComputeUsage> {
  const result = await db.query<ComputeUsage>(
    `SELECT count(*)::int AS instances, COALESCE(sum((flavor->>'vcpus')::int), 0)::int AS cores,
            COALESCE(sum((flavor->>'memory_mb')::int), 0)::int AS ram
       FROM instances WHERE project_id = $1 AND deleted_at IS NULL`,
    [projectId],
  );
  return result.rows[0]!;
}

/** Serialises quota checks of one project until the caller's transaction ends. */
export async function lockProjectQuota(db: pg.PoolClient, projectId: string): Promise<void> {
  await db.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`quota:${projectId}`]);
}

export class QuotaExceeded extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'QuotaExceeded';
  }
}

/**
 * How many of `max` instances of this size fit in the project's quota (at least `min`), else QuotaExceeded with
 * Nova's message.
 */
export async function instancesAllowed(
  db: pg.PoolClient,
  projectId: string,
  per: { vcpus: number; memoryMb: number },
  min: number,
  max: number,
): Promise<number> {
  const [limits, used] = await Promise.all([quotaLimits(db, projectId), computeUsage(db, projectId)]);
  const fit = (limit: number, usedNow: number, each: number) =>
    limit < 0 || each === 0 ? Infinity : Math.floor((limit - usedNow) / each);
  const allowed = Math.min(max, fit(limits.instances, used.instances, 1), fit(limits.cores, used.cores, per.vcpus), fit(limits.ram, used.ram, per.memoryMb));
  if (allowed >= min) return allowed;
  const over: { name: string; requested: number; used: number; limit: number }[] = [];
  if (fit(limits.cores, used.cores, per.vcpus) < min) over.push({ name: 'cores', requested: per.vcpus * min, used: used.cores, limit: limits.cores });
  if (fit(limits.instances, used.instances, 1) < min) over.push({ name: 'instances', requested: min, used: used.instances, limit: limits.instances });
  if (fit(limits.ram, used.ram, per.memoryMb) < min) over.push({ name: 'ram', requested: per.memoryMb * min, used: used.ram, limit: limits.ram });
  const names = over.map((o) => o.name).join(', ');
  throw new QuotaExceeded(
    `Quota exceeded for ${names}: Requested ${over.map((o) => o.requested).join(', ')}, but already used ${over.map((o) => o.used).join(', ')} of ${over.map((o) => o.limit).join(', ')} ${names}`,
  );
}

export async function setQuotaLimits(db: Queryable, projectId: string, limits: Partial<Record<QuotaResource, number>>): Promise<void> {
  for (const [resource, limit] of Object.entries(limits)) {
    await db.query(
      `INSERT INTO quotas (project_id, resource, hard_limit) VALUES ($1, $2, $3)
       ON CONFLICT (project_id, resource) DO UPDATE SET hard_limit = EXCLUDED.hard_limit, updated_at = now()`,
      [projectId, resource, limit],
    );
  }
}

export async function revertQuotaLimits(db: Queryable, projectId: string): Promise<void> {
  await db.query('DELETE FROM quotas WHERE project_id = $1', [projectId]);
}

/** Usage of every counted compute resource of a project (key pairs are counted for the calling user). */
export async function fullUsage(db: Queryable, projectId: string, userId: string): Promise<Record<QuotaResource, number>> {
  const compute = await computeUsage(db, projectId);
  const other = await db.query<{ key_pairs: number; server_groups: number }>(
    `SELECT (SELECT count(*) FROM key_pairs WHERE user_id = $2)::int AS key_pairs,
            (SELECT count(*) FROM server_groups WHERE project_id = $1)::int AS server_groups`,
    [projectId, userId],
  );
  return {
    ...compute,
    key_pairs: other.rows[0]!.key_pairs,
    server_groups: other.rows[0]!.server_groups,
    metadata_items: 0,
    server_group_members: 0,
    injected_files: 0,
    injected_file_content_bytes: 0,
    injected_file_path_bytes: 0,
  };
}
