/** Reading migration records for the API: `os-migrations` with Nova's filters and paging, and one server's. */
import type pg from 'pg';

type Queryable = Pick<pg.Pool, 'query'>;

export interface MigrationRow {
  id: string;
  uuid: string;
  instance_uuid: string;
  migration_type: string;
  status: string;
  source_compute: string | null;
  source_node: string | null;
  dest_compute: string | null;
  dest_node: string | null;
  dest_host: string | null;
  old_instance_type_id: string | null;
  new_instance_type_id: string | null;
  memory_total: string | null;
  memory_processed: string | null;
  memory_remaining: string | null;
  disk_total: string | null;
  disk_processed: string | null;
  disk_remaining: string | null;
  user_id: string | null;
  project_id: string | null;
  workflow_id: string | null;
  created_at: Date;
  updated_at: Date | null;
}

/** Migration statuses after which nothing more happens to the move. */
export const MIGRATION_ENDED = ['confirmed', 'reverted', 'completed', 'cancelled', 'failed', 'error'];

/** A live migration still under way: what `servers/{id}/migrations` shows, and what abort can stop. */
export const LIVE_MIGRATION_IN_PROGRESS = ['queued', 'preparing', 'running', 'post-migrating'];

export interface MigrationFilter {
  host?: string;
  status?: string;
  instanceUuid?: string;
  migrationType?: string;
  sourceCompute?: string;
  changesSince?: Date;
  changesBefore?: Date;
  userId?: string;
  projectId?: string;
  limit?: number;
  /** The id of the last migration of the previous page. */
  markerId?: number;
}

export async function listMigrations(db: Queryable, f: MigrationFilter): Promise<MigrationRow[]> {
  const where: string[] = [];
  const args: unknown[] = [];
  const add = (sql: (n: string) => string, value: unknown) => where.push(sql(`$${args.push(value)}`));
  if (f.host !== undefined) add((n) => `(source_compute = ${n} OR dest_compute = ${n})`, f.host);
  if (f.status !== undefined) add((n) => `status = ${n}`, f.status);
  if (f.instanceUuid !== undefined) add((n) => `instance_uuid::text = ${n}`, f.instanceUuid);
  if (f.migrationType !== undefined) add((n) => `migration_type = ${n}`, f.migrationType);
  if (f.sourceCompute !== undefined) add((n) => `source_compute = ${n}`, f.sourceCompute);
  if (f.changesSince !== undefined) add((n) => `COALESCE(updated_at, created_at) >= ${n}`, f.changesSince);
  if (f.changesBefore !== undefined) add((n) => `COALESCE(updated_at, created_at) <= ${n}`, f.changesBefore);
  if (f.userId !== undefined) add((n) => `user_id = ${n}`, f.userId);
  if (f.projectId !== undefined) add((n) => `project_id = ${n}`, f.projectId);
  if (f.markerId !== undefined) add((n) => `(created_at, id) < (SELECT created_at, id FROM migrations WHERE id = ${n})`, f.markerId);
  const limit = f.limit === undefined ? '' : ` LIMIT $${args.push(f.limit)}`;
  const result = await db.query<MigrationRow>(
    `SELECT * FROM migrations ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at DESC, id DESC${limit}`,
    args,
  );
  return result.rows;
}

export async function getMigrationByUuid(db: Queryable, uuid: string): Promise<MigrationRow | undefined> {
  return (await db.query<MigrationRow>('SELECT * FROM migrations WHERE uuid::text = $1', [uuid])).rows[0];
}

export async function getServerMigration(db: Queryable, instanceUuid: string, id: number): Promise<MigrationRow | undefined> {
  return (await db.query<MigrationRow>('SELECT * FROM migrations WHERE instance_uuid = $1 AND id = $2', [instanceUuid, id])).rows[0];
}

/** A move of the instance still under way (a resize waiting for confirmation, or an evacuation done, are not). */
export async function moveUnderWay(db: Queryable, instanceUuid: string): Promise<MigrationRow | undefined> {
  const result = await db.query<MigrationRow>(
    `SELECT * FROM migrations WHERE instance_uuid = $1 AND status <> ALL($2) ORDER BY id DESC LIMIT 1`,
    [instanceUuid, [...MIGRATION_ENDED, 'finished', 'done']],
  );
  return result.rows[0];
}
