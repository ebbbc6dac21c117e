/**
 * Key pair queries. Key pairs belong to a user; names are unique per user and listed in name order (bytewise, so
 * paging by name is stable whatever the database's collation).
 */
import type pg from 'pg';
import type { KeyPairType } from '../ssh-keys.ts';

type Queryable = Pick<pg.Pool, 'query'>;

/** Nova's default `key_pairs` quota: key pairs per user. */
export const KEY_PAIRS_QUOTA = 100;

export interface KeyPairRow {
  id: string;
  user_id: string;
  name: string;
  type: KeyPairType;
  fingerprint: string;
  public_key: string;
  created_at: Date;
  updated_at: Date | null;
}

export class MarkerNotFound extends Error {}

export interface KeyPairPage {
  limit?: number;
  /** Name of the last key pair of the previous page. */
  marker?: string;
}

export async function listKeyPairs(db: Queryable, userId: string, page: KeyPairPage = {}): Promise<KeyPairRow[]> {
  const args: unknown[] = [userId];
  let after = '';
  if (page.marker !== undefined) {
    const marker = await db.query('SELECT 1 FROM key_pairs WHERE user_id = $1 AND name = $2', [userId, page.marker]);
    if (marker.rowCount === 0) throw new MarkerNotFound(page.marker);
    after = ` AND name COLLATE "C" > $${args.push(page.marker)}`;
  }
  const limit = page.limit !== undefined ? ` LIMIT $${args.push(page.limit)}` : '';
  const result = await db.query<KeyPairRow>(`SELECT * FROM key_pairs WHERE user_id = $1${after} ORDER BY name COLLATE "C"${limit}`, args);
  return result.rows;
}

export async function getKeyPair(db: Queryable, userId: string, name: string): Promise<KeyPairRow | undefined> {
  const result = await db.query<KeyPairRow>('SELECT * FROM key_pairs WHERE user_id = $1 AND name = $2', [userId, name]);
  return result.rows[0];
}

export async function countKeyPairs(db: Queryable, userId: string): Promise<number> {
  const result = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM key_pairs WHERE user_id = $1', [userId]);
  return result.rows[0]!.n;
}

export interface NewKeyPair {
  userId: string;
  name: string;
  type: KeyPairType;
  publicKey: string;
  fingerprint: string;
}

/**
 * Adds a key pair unless the user already holds `quota` of them or one of that name. The count and the insert
 * run under a per-user transaction lock, so concurrent creates cannot overshoot the quota.
 */
export async function createKeyPair(pool: pg.Pool, k: NewKeyPair, quota = KEY_PAIRS_QUOTA): Promise<KeyPairRow | 'over-quota' | 'exists'> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query("SELECT pg_advisory_xact_lock(hashtext('key_pairs'), hashtext($1))", [k.userId]);
    if ((await countKeyPairs(client, k.userId)) >= quota) {
      await client.query('ROLLBACK');
      return 'over-quota';
    }
    const inserted = await client.query<KeyPairRow>(
      `INSERT INTO key_pairs (user_id, name, type, fingerprint, public_key) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (user_id, name) DO NOTHING RETURNING *`,
      [k.userId, k.name, k.type, k.fingerprint, k.publicKey],
    );
    await client.query(inserted.rows[0] ? 'COMMIT' : 'ROLLBACK');
    return inserted.rows[0] ?? 'exists';
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

export async function deleteKeyPair(db: Queryable, userId: string, name: string): Promise<boolean> {
  const result = await db.query('DELETE FROM key_pairs WHERE user_id = $1 AND name = $2', [userId, name]);
  return (result.rowCount ?? 0) > 0;
}
