/**
 * Volumes: rows, the status machine (creating → available → reserved/attaching → in-use → available → deleting)
 * and their files. Plain functions on a pg pool, for the volume API and the compute controller; create with an
 * `id`, provision and delete are idempotent.
 */
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { invalidInput, invalidVolume, volumeNotDeletable, volumeNotFound } from './errors.ts';
import { createVolumeFile, extendVolumeFile, removeVolumeFile } from './storage.ts';

type Queryable = Pick<pg.Pool, 'query'>;

export interface VolumeAttachmentSummary {
  id: string;
  instance_uuid: string | null;
  attach_status: string;
  attached_host: string | null;
  mountpoint: string | null;
  attach_time: string | null;
}

export interface Volume {
  id: string;
  project_id: string;
  user_id: string;
  name: string | null;
  description: string | null;
  size: number;
  status: string;
  attach_status: string;
  availability_zone: string;
  volume_type: string;
  bootable: boolean;
  multiattach: boolean;
  image_id: string | null;
  metadata: Record<string, string>;
  created_at: Date;
  updated_at: Date | null;
  attachments: VolumeAttachmentSummary[];
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isUuid = (text: unknown): text is string => typeof text === 'string' && UUID.test(text);

/** Statuses a volume may be deleted from (Cinder's list, plus ours that mean "nothing holds it"). */
const DELETABLE = ['available', 'error', 'error_restoring', 'error_extending', 'error_managing'];

const SELECT = `
  SELECT v.*,
         COALESCE((SELECT json_agg(json_build_object('id', a.id, 'instance_uuid', a.instance_uuid, 'attach_status', a.attach_status,
                                                     'attached_host', a.attached_host, 'mountpoint', a.mountpoint,
                                                     'attach_time', a.attach_time) ORDER BY a.created_at, a.id)
                     FROM volume_attachments a WHERE a.volume_id = v.id), '[]') AS attachments
    FROM volumes v`;

export interface VolumeListFilter {
  /** Only this project's volumes; undefined for every project. */
  projectId?: string;
  name?: string;
  status?: string;
}

/** Newest first, as Cinder lists by default. */
export async function listVolumes(db: Queryable, filter: VolumeListFilter): Promise<Volume[]> {
  const result = await db.query<Volume>(
    `${SELECT} WHERE ($1::text IS NULL OR v.project_id = $1) AND ($2::text IS NULL OR v.name = $2) AND ($3::text IS NULL OR v.status = $3)
      ORDER BY v.created_at DESC, v.id DESC`,
    [filter.projectId ?? null, filter.name ?? null, filter.status ?? null],
  );
  return result.rows;
}

export async function getVolume(db: Queryable, id: string): Promise<Volume | undefined> {
  if (!isUuid(id)) return undefined;
  const result = await db.query<Volume>(`${SELECT} WHERE v.id = $1`, [id]);
  return result.rows[0];
}

export async function requireVolume(db: Queryable, id: string): Promise<Volume> {
  const volume = await getVolume(db, id);
  if (!volume) throw volumeNotFound(id);
  return volume;
}

export interface VolumeInput {
  /** Makes creation idempotent: an existing volume with this id is returned as it is. */
  id?: string;
  projectId: string;
  userId: string;
  size: number;
  name?: string | null;
  description?: string | null;
  imageId?: string | null;
  availabilityZone?: string;
  metadata?: Record<string, string>;
  multiattach?: boolean;
}

/** Records a new volume in status `creating`; `provisionVolume` makes its file and makes it `available`. */
export async function createVolume(db: Queryable, input: VolumeInput): Promise<Volume> {
  const id = input.id ?? randomUUID();
  await db.query(
    `INSERT INTO volumes (id, project_id, user_id, name, description, size, image_id, availability_zone, metadata, multiattach)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (id) DO NOTHING`,
    [id, input.projectId, input.userId, input.name ?? null, input.description ?? null, input.size, input.imageId ?? null,
      input.availabilityZone ?? 'nova', JSON.stringify(input.metadata ?? {}), input.multiattach ?? false],
  );
  return requireVolume(db, id);
}

/** Creates the volume's file (from its image when the image file is there): creating → available, or error. */
export async function provisionVolume(db: Queryable, dataDir: string, id: string): Promise<Volume> {
  const volume = await requireVolume(db, id);
  if (volume.status !== 'creating') return volume;
  try {
    await createVolumeFile(dataDir, id, volume.size, volume.image_id ?? undefined);
  } catch (err) {
    await db.query(`UPDATE volumes SET status = 'error', updated_at = now() WHERE id = $1 AND status = 'creating'`, [id]);
    throw err;
  }
  await db.query(
    `UPDATE volumes SET status = 'available', bootable = bootable OR image_id IS NOT NULL, updated_at = now()
      WHERE id = $1 AND status = 'creating'`,
    [id],
  );
  return requireVolume(db, id);
}

export interface VolumePatch {
  name?: string | null;
  description?: string | null;
  metadata?: Record<string, string>;
  bootable?: boolean;
}

export async function updateVolume(db: Queryable, id: string, patch: VolumePatch): Promise<Volume> {
  const result = await db.query(
    `UPDATE volumes SET name = CASE WHEN $2 THEN $3 ELSE name END, description = CASE WHEN $4 THEN $5 ELSE description END,
            metadata = COALESCE($6::jsonb, metadata), bootable = COALESCE($7, bootable), updated_at = now()
      WHERE id = $1`,
    [id, patch.name !== undefined, patch.name ?? null, patch.description !== undefined, patch.description ?? null,
      patch.metadata === undefined ? null : JSON.stringify(patch.metadata), patch.bootable ?? null],
  );
  if (!result.rowCount) throw volumeNotFound(id);
  return requireVolume(db, id);
}

/**
 * Deletes a volume nothing is attached to (400 otherwise): status deleting, file removed, row removed. False
 * when there was no such volume. `retry` also takes volumes left in `deleting`/`error_deleting` by a crash.
 */
export async function deleteVolume(db: Queryable, dataDir: string, id: string, opts: { retry?: boolean } = {}): Promise<boolean> {
  if (!isUuid(id)) return false;
  const statuses = opts.retry ? [...DELETABLE, 'deleting', 'error_deleting'] : DELETABLE;
  const claimed = await db.query(
    `UPDATE volumes SET status = 'deleting', updated_at = now()
      WHERE id = $1 AND status = ANY($2) AND NOT EXISTS (SELECT 1 FROM volume_attachments a WHERE a.volume_id = $1)`,
    [id, statuses],
  );
  if (!claimed.rowCount) {
    if (!(await getVolume(db, id))) return false;
    throw volumeNotDeletable();
  }
  try {
    await removeVolumeFile(dataDir, id);
  } catch (err) {
    await db.query(`UPDATE volumes SET status = 'error_deleting', updated_at = now() WHERE id = $1`, [id]);
    throw err;
  }
  await db.query('DELETE FROM volumes WHERE id = $1', [id]);
  return true;
}

/** Grows an available volume (os-extend). */
export async function extendVolume(db: Queryable, dataDir: string, id: string, newSize: number): Promise<Volume> {
  const volume = await requireVolume(db, id);
  if (volume.status !== 'available') throw invalidVolume(`Volume status must be available to extend. (current status: ${volume.status})`);
  if (newSize <= volume.size) {
    throw invalidInput(`New size for extend must be greater than current size. (current: ${volume.size}, extended: ${newSize}).`);
  }
  const claimed = await db.query(`UPDATE volumes SET status = 'extending', updated_at = now() WHERE id = $1 AND status = 'available'`, [id]);
  if (!claimed.rowCount) throw invalidVolume('Volume status must be available to extend.');
  try {
    await extendVolumeFile(dataDir, id, newSize);
  } catch (err) {
    await db.query(`UPDATE volumes SET status = 'error_extending', updated_at = now() WHERE id = $1`, [id]);
    throw err;
  }
  await db.query(`UPDATE volumes SET status = 'available', size = $2, updated_at = now() WHERE id = $1`, [id, newSize]);
  return requireVolume(db, id);
}

/** os-reset_status (admin): sets the status (and attach status) as told, for volumes stuck after a failure. */
export async function resetVolumeStatus(db: Queryable, id: string, status: string, attachStatus?: string): Promise<void> {
  const result = await db.query(
    `UPDATE volumes SET status = $2, attach_status = COALESCE($3, attach_status), updated_at = now() WHERE id = $1`,
    [id, status, attachStatus ?? null],
  );
  if (!result.rowCount) throw volumeNotFound(id);
}
