/** Database helpers shared by the network data layer. */
import type pg from 'pg';

export type Queryable = Pick<pg.Pool, 'query'>;

/** Who is looking: an admin sees every project's resources, anyone else their project's (and shared ones). */
export interface Scope {
  projectId?: string;
  all: boolean;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Neutron's ids are UUIDs; anything else names nothing (and must not reach a uuid column). */
export const isUuid = (text: unknown): text is string => typeof text === 'string' && UUID.test(text);

export { inTransaction } from '../../db/transaction.ts';

/** PostgreSQL's error code on a failed statement (23505 unique violation, 23503 foreign key violation). */
export const pgCode = (err: unknown): string | undefined => (err as { code?: string } | null)?.code;

/**
 * `UPDATE table SET col = value, ... , revision_number + 1, updated_at = now()` for the given columns (names come
 * from code, never from requests). Returns false when no row has that id.
 */
export async function updateColumns(db: Queryable, table: string, id: string, columns: Record<string, unknown>): Promise<boolean> {
  const names = Object.keys(columns).filter((k) => columns[k] !== undefined);
  for (const name of [table, ...names]) if (!/^[a-z_]+$/.test(name)) throw new Error(`bad identifier ${name}`);
  const sets = names.map((name, i) => `${name} = $${i + 2}`);
  const result = await db.query(
    `UPDATE ${table} SET ${[...sets, 'revision_number = revision_number + 1', 'updated_at = now()'].join(', ')} WHERE id = $1`,
    [id, ...names.map((n) => columns[n])],
  );
  return (result.rowCount ?? 0) > 0;
}
