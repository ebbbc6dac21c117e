/**
 * Reading and writing single images. Status changes are compare-and-set on the current status, so two
 * uploads, or an upload and a delete, cannot both win; changes of fields run under a row lock.
 */
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { Digest } from './checksum-stream.ts';
import { duplicateImage } from './errors.ts';
import { IMAGE_COLUMNS, isImageId, type ImageFields, type ImageRecord, type ImageStatus } from './records.ts';

export type Querier = pg.Pool | pg.PoolClient;

/** A live (not deleted) image, or undefined. */
export async function getImage(db: Querier, id: string, opts: { lock?: boolean } = {}): Promise<ImageRecord | undefined> {
  if (!isImageId(id)) return undefined;
  const found = await db.query<ImageRecord>(
    `SELECT ${IMAGE_COLUMNS} FROM images WHERE id = $1 AND deleted_at IS NULL${opts.lock ? ' FOR UPDATE' : ''}`,
    [id],
  );
  return found.rows[0];
}

/** Runs `work` in a transaction on one connection. */
export { inTransaction as transaction } from '../../db/transaction.ts';

export interface NewImage extends ImageFields {
  id?: string;
}

/** Registers a queued image. An id in use (even by a deleted image) is a 409. */
export async function createImage(db: Querier, image: NewImage): Promise<ImageRecord> {
  const id = image.id?.toLowerCase() ?? randomUUID();
  const created = await db.query<ImageRecord>(
    `INSERT INTO images (id, name, visibility, protected, os_hidden, owner, disk_format, container_format, min_disk, min_ram,
       properties, tags)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
     ON CONFLICT (id) DO NOTHING
     RETURNING ${IMAGE_COLUMNS}`,
    [id, image.name, image.visibility, image.protected, image.os_hidden, image.owner, image.disk_format, image.container_format,
      image.min_disk, image.min_ram, JSON.stringify(image.properties), image.tags],
  );
  if (!created.rows[0]) throw duplicateImage(id);
  return created.rows[0];
}

/** Writes every settable field of a (locked) image. */
export async function saveFields(db: Querier, id: string, fields: ImageFields): Promise<ImageRecord> {
  const saved = await db.query<ImageRecord>(
    `UPDATE images SET name = $2, visibility = $3, protected = $4, os_hidden = $5, owner = $6, disk_format = $7,
       container_format = $8, min_disk = $9, min_ram = $10, properties = $11, tags = $12, updated_at = clock_timestamp()
     WHERE id = $1 AND deleted_at IS NULL
     RETURNING ${IMAGE_COLUMNS}`,
    [id, fields.name, fields.visibility, fields.protected, fields.os_hidden, fields.owner, fields.disk_format,
      fields.container_format, fields.min_disk, fields.min_ram, JSON.stringify(fields.properties), fields.tags],
  );
  return saved.rows[0]!;
}

/** The fields of a record, as `saveFields` takes them. */
export function fieldsOf(image: ImageRecord): ImageFields {
  return {
    name: image.name,
    visibility: image.visibility,
    protected: image.protected,
    os_hidden: image.os_hidden,
    owner: image.owner,
    disk_format: image.disk_format,
    container_format: image.container_format,
    min_disk: image.min_disk,
    min_ram: image.min_ram,
    properties: { ...image.properties },
    tags: [...image.tags],
  };
}

/** Marks an unprotected image deleted. Returns false when it is gone already or protected. */
export async function deleteImage(db: Querier, id: string): Promise<boolean> {
  const deleted = await db.query(
    `UPDATE images SET status = 'deleted', deleted_at = clock_timestamp(), updated_at = clock_timestamp()
     WHERE id = $1 AND deleted_at IS NULL AND NOT protected`,
    [id],
  );
  return deleted.rowCount === 1;
}

/**
 * Moves the image from one status to another if it is in `from` now; returns the image after the change, or the
 * current status when it was in another one (undefined when the image is gone).
 */
export async function transition(
  db: Querier,
  id: string,
  from: readonly ImageStatus[],
  to: ImageStatus,
): Promise<{ changed: true; image: ImageRecord } | { changed: false; status?: ImageStatus }> {
  const moved = await db.query<ImageRecord>(
    `UPDATE images SET status = $3, updated_at = clock_timestamp()
     WHERE id = $1 AND deleted_at IS NULL AND status = ANY($2::text[])
     RETURNING ${IMAGE_COLUMNS}`,
    [id, from, to],
  );
  if (moved.rows[0]) return { changed: true, image: moved.rows[0] };
  const current = await db.query<{ status: ImageStatus }>('SELECT status FROM images WHERE id = $1 AND deleted_at IS NULL', [id]);
  return { changed: false, status: current.rows[0]?.status };
}

/** Records a finished upload on an image still `saving`; undefined when it was deleted meanwhile. */
export async function finishUpload(db: Querier, id: string, digest: Digest, virtualSize: number | null): Promise<ImageRecord | undefined> {
  const done = await db.query<ImageRecord>(
    `UPDATE images SET status = 'active', size = $2, virtual_size = $3, checksum = $4, os_hash_algo = $5, os_hash_value = $6,
       updated_at = clock_timestamp()
     WHERE id = $1 AND deleted_at IS NULL AND status = 'saving'
     RETURNING ${IMAGE_COLUMNS}`,
    [id, digest.size, virtualSize, digest.checksum, digest.osHashAlgo, digest.osHashValue],
  );
  return done.rows[0];
}

/** Puts an image whose upload failed back to `queued`, ready for another try. */
export async function abandonUpload(db: Querier, id: string): Promise<void> {
  await db.query(
    `UPDATE images SET status = 'queued', size = NULL, virtual_size = NULL, updated_at = clock_timestamp()
     WHERE id = $1 AND deleted_at IS NULL AND status = 'saving'`,
    [id],
  );
}
