/** A volume's metadata (key → string), changed atomically in SQL so concurrent updates do not lose keys. */
import type pg from 'pg';
import { ApiError } from '../../../api/faults.ts';
import { volumeNotFound } from './errors.ts';

type Queryable = Pick<pg.Pool, 'query'>;

/** Merges `metadata` into the volume's (or replaces it all); returns the result. */
export async function setVolumeMetadata(db: Queryable, id: string, metadata: Record<string, string>, replace: boolean): Promise<Record<string, string>> {
  const result = await db.query<{ metadata: Record<string, string> }>(
    `UPDATE volumes SET metadata = CASE WHEN $3 THEN $2::jsonb ELSE metadata || $2::jsonb END, updated_at = now()
      WHERE id = $1 RETURNING metadata`,
    [id, JSON.stringify(metadata), replace],
  );
  if (!result.rows[0]) throw volumeNotFound(id);
  return result.rows[0].metadata;
}

export const metadataNotFound = (id: string, key: string) =>
  new ApiError(404, `Volume ${id} has no metadata with key ${key}.`, {}, undefined, 'VolumeMetadataNotFound');

export async function deleteVolumeMetadataKey(db: Queryable, id: string, key: string): Promise<void> {
  const result = await db.query(`UPDATE volumes SET metadata = metadata - $2, updated_at = now() WHERE id = $1 AND metadata ? $2`, [id, key]);
  if (!result.rowCount) throw metadataNotFound(id, key);
}
