/** Flavor queries. Visibility: public flavors, plus private ones shared with the caller's project (admin: all). */
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { inTransaction } from '../../db/transaction.ts';

type Queryable = Pick<pg.Pool, 'query'>;

export interface FlavorRow {
  id: string;
  flavorid: string;
  name: string;
  memory_mb: number;
  vcpus: number;
  root_gb: number;
  ephemeral_gb: number;
  swap: number;
  rxtx_factor: number;
  is_public: boolean;
  disabled: boolean;
  description: string | null;
  extra_specs: Record<string, string>;
}

const SELECT = `SELECT f.*, COALESCE((SELECT jsonb_object_agg(key, value) FROM flavor_extra_specs e WHERE e.flavor_id = f.id), '{}') AS extra_specs
  FROM flavors f`;

export interface FlavorFilter {
  /** undefined: public + accessible private; true: public only; false: private only; 'all': everything. */
  isPublic?: boolean | 'all';
  /** The caller's project, for private flavors shared with it; undefined for admins who see all. */
  projectId?: string;
  minRam?: number;
  minDisk?: number;
  sortKey: string;
  sortDir: 'asc' | 'desc';
  limit?: number;
  markerFlavorId?: string;
}

const SORT_COLUMNS: Record<string, string> = {
  created_at: 'created_at', description: 'description', disabled: 'disabled', ephemeral_gb: 'ephemeral_gb',
  flavorid: 'flavorid', id: 'flavorid', is_public: 'is_public', memory_mb: 'memory_mb', name: 'name', root_gb: 'root_gb',
  rxtx_factor: 'rxtx_factor', swap: 'swap', updated_at: 'updated_at', vcpu_weight: 'vcpus', vcpus: 'vcpus',
};

export class MarkerNotFound extends Error {}

export async function listFlavors(db: Queryable, f: FlavorFilter): Promise<FlavorRow[]> {
  const where: string[] = [];
  const args: unknown[] = [];
  const arg = (v: unknown) => `$${args.push(v)}`;
  const access = f.projectId === undefined ? 'true' : `EXISTS (SELECT 1 FROM flavor_projects p WHERE p.flavor_id = f.id AND p.project_id = ${arg(f.projectId)})`;
  if (f.isPublic === true) where.push('f.is_public');
  else if (f.isPublic === false) where.push(`NOT f.is_public AND ${access}`);
  else if (f.isPublic === undefined) where.push(`(f.is_public OR ${access})`);
  if (f.minRam !== undefined) where.push(`f.memory_mb >= ${arg(f.minRam)}`);
  if (f.minDisk !== undefined) where.push(`f.root_gb >= ${arg(f.minDisk)}`);
  const column = SORT_COLUMNS[f.sortKey] ?? 'flavorid';
  const dir = f.sortDir === 'desc' ? 'DESC' : 'ASC';
  if (f.markerFlavorId !== undefined) {
    const marker = await db.query(`SELECT ${column} AS v, id FROM flavors WHERE flavorid = $1`, [f.markerFlavorId]);
    if (!marker.rows[0]) throw new MarkerNotFound(f.markerFlavorId);
    const op = dir === 'ASC' ? '>' : '<';
    where.push(`(f.${column}, f.id) ${op} (${arg(marker.rows[0].v)}, ${arg(marker.rows[0].id)})`);
  }
  const limit = f.limit !== undefined ? ` LIMIT ${arg(f.limit)}` : '';
  const result = await db.query<FlavorRow>(
    `${SELECT} WHERE ${where.join(' AND ') || 'true'} ORDER BY f.${column} ${dir}, f.id ${dir}${limit}`,
    args,
  );
  return result.rows;
}

/** One flavor by public id, if the caller may see it (projectId undefined: admin). */
export async function getFlavor(db: Queryable, flavorid: string, projectId?: string): Promise<FlavorRow | undefined> {
  const result = await db.query<FlavorRow>(
    `${SELECT} WHERE f.flavorid = $1 AND ($2::text IS NULL OR f.is_public
       OR EXISTS (SELECT 1 FROM flavor_projects p WHERE p.flavor_id = f.id AND p.project_id = $2))`,
    [flavorid, projectId ?? null],
  );
  return result.rows[0];
}

export interface NewFlavor {
  flavorid?: string;
  name: string;
  memoryMb: number;
  vcpus: number;
  rootGb: number;
  ephemeralGb: number;
  swap: number;
  rxtxFactor: number;
  isPublic: boolean;
  description: string | null;
}

export type CreateFlavorResult = FlavorRow | { conflict: 'name' | 'id' };

export async function createFlavor(db: Queryable, f: NewFlavor): Promise<CreateFlavorResult> {
  try {
    const result = await db.query<{ flavorid: string }>(
      `INSERT INTO flavors (flavorid, name, memory_mb, vcpus, root_gb, ephemeral_gb, swap, rxtx_factor, is_public, description)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING flavorid`,
      [f.flavorid ?? randomUUID(), f.name, f.memoryMb, f.vcpus, f.rootGb, f.ephemeralGb, f.swap, f.rxtxFactor, f.isPublic, f.description],
    );
    return (await getFlavor(db, result.rows[0]!.flavorid))!;
  } catch (err) {
    const e = err as { code?: string; constraint?: string };
    if (e.code === '23505') return { conflict: e.constraint?.includes('name') ? 'name' : 'id' };
    throw err;
  }
}

export async function updateFlavorDescription(db: Queryable, flavorid: string, description: string | null): Promise<boolean> {
  const result = await db.query('UPDATE flavors SET description = $2, updated_at = now() WHERE flavorid = $1', [flavorid, description]);
  return (result.rowCount ?? 0) > 0;
}

export async function deleteFlavor(db: Queryable, flavorid: string): Promise<boolean> {
  const result = await db.query('DELETE FROM flavors WHERE flavorid = $1', [flavorid]);
  return (result.rowCount ?? 0) > 0;
}

/** Nova's default flavors with their well-known ids 1–5; created once, left alone afterwards. */
export const DEFAULT_FLAVORS: readonly NewFlavor[] = [
  ['1', 'm1.tiny', 512, 1, 1],
  ['2', 'm1.small', 2048, 1, 20],
  ['3', 'm1.medium', 4096, 2, 40],
  ['4', 'm1.large', 8192, 4, 80],
  ['5', 'm1.xlarge', 16384, 8, 160],
].map(([flavorid, name, memoryMb, vcpus, rootGb]) => ({
  flavorid: String(flavorid), name: String(name), memoryMb: Number(memoryMb), vcpus: Number(vcpus), rootGb: Number(rootGb),
  ephemeralGb: 0, swap: 0, rxtxFactor: 1.0, isPublic: true, description: null,
}));

/** On the very first start only: a flavor an operator deletes later stays deleted. */
export async function bootstrapFlavors(pool: pg.Pool): Promise<void> {
  await inTransaction(pool, async (db) => {
    const first = await db.query(`INSERT INTO bootstrap_steps (name) VALUES ('default-flavors') ON CONFLICT DO NOTHING`);
    if (first.rowCount === 1) {
      for (const f of DEFAULT_FLAVORS) {
        await db.query(
          `INSERT INTO flavors (flavorid, name, memory_mb, vcpus, root_gb) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`,
          [f.flavorid, f.name, f.memoryMb, f.vcpus, f.rootGb],
        );
      }
    }
  });
}
