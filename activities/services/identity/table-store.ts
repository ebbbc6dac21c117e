/**
 * Row access for the identity tables, shared by domains, projects, users and roles. Table and column names come
 * only from the constant entity specs (never from requests); every value is a query parameter.
 */
import type pg from 'pg';

type Queryable = Pick<pg.Pool, 'query'>;
export type Row = Record<string, unknown> & { id: string };
export type IdentityTable = 'domains' | 'projects' | 'users' | 'roles';

const ident = (name: string) => {
  if (!/^[a-z_]+$/.test(name)) throw new Error(`bad identifier ${name}`);
  return name;
};

/** Lists rows matching every filter exactly (`name` case-sensitively as Keystone does), oldest first. */
export async function listRows(db: Queryable, table: IdentityTable, filters: Record<string, unknown>): Promise<Row[]> {
  const keys = Object.keys(filters);
  const where = keys.map((k, i) => `${ident(k)} = $${i + 1}`).join(' AND ');
  const result = await db.query<Row>(
    `SELECT * FROM ${ident(table)}${where ? ` WHERE ${where}` : ''} ORDER BY created_at, id`,
    keys.map((k) => filters[k]),
  );
  return result.rows;
}

export async function getRow(db: Queryable, table: IdentityTable, id: string): Promise<Row | undefined> {
  const result = await db.query<Row>(`SELECT * FROM ${ident(table)} WHERE id = $1`, [id]);
  return result.rows[0];
}

export async function insertRow(db: Queryable, table: IdentityTable, values: Record<string, unknown>): Promise<Row> {
  const keys = Object.keys(values);
  const result = await db.query<Row>(
    `INSERT INTO ${ident(table)} (${keys.map(ident).join(', ')}) VALUES (${keys.map((_, i) => `$${i + 1}`).join(', ')}) RETURNING *`,
    keys.map((k) => values[k]),
  );
  return result.rows[0]!;
}

export async function updateRow(db: Queryable, table: IdentityTable, id: string, values: Record<string, unknown>): Promise<Row | undefined> {
  const keys = Object.keys(values);
  if (keys.length === 0) return getRow(db, table, id);
  const result = await db.query<Row>(
    `UPDATE ${ident(table)} SET ${keys.map((k, i) => `${ident(k)} = $${i + 2}`).join(', ')} WHERE id = $1 RETURNING *`,
    [id, ...keys.map((k) => values[k])],
  );
  return result.rows[0];
}

export async function deleteRow(db: Queryable, table: IdentityTable, id: string): Promise<boolean> {
  const result = await db.query(`DELETE FROM ${ident(table)} WHERE id = $1`, [id]);
  return (result.rowCount ?? 0) > 0;
}

/** PostgreSQL's unique_violation and foreign_key_violation, for turning into 409 / 404 answers. */
export const UNIQUE_VIOLATION = '23505';
export const FOREIGN_KEY_VIOLATION = '23503';
export function pgCode(err: unknown): string | undefined {
  return (err as { code?: string }).code;
}
