/**
 * Cinder's attachments API as plain functions: reserve (→ volume reserved), connect with a host connector
 * (→ attaching, connection_info handed out), complete (→ volume in-use), delete (→ available when nothing else is
 * attached). Each step locks the volume row, so concurrent calls on one volume take turns.
 */
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { attachmentNotFound, invalidVolume, volumeNotFound } from './errors.ts';
import { volumePath } from './storage.ts';
import { isUuid } from './volumes.ts';
import { inTransaction } from '../../db/transaction.ts';

type Queryable = Pick<pg.Pool, 'query'>;

export interface Attachment {
  id: string;
  volume_id: string;
  instance_uuid: string | null;
  attach_status: 'reserved' | 'attaching' | 'attached' | 'detaching';
  attach_mode: 'rw' | 'ro';
  connector: Record<string, unknown> | null;
  connection_info: Record<string, unknown> | null;
  attached_host: string | null;
  mountpoint: string | null;
  attach_time: Date | null;
  created_at: Date;
  updated_at: Date | null;
  /** The project owning the volume. */
  project_id: string;
}

const SELECT = `SELECT a.*, v.project_id FROM volume_attachments a JOIN volumes v ON v.id = a.volume_id`;

export async function getAttachment(db: Queryable, id: string): Promise<Attachment | undefined> {
  if (!isUuid(id)) return undefined;
  const result = await db.query<Attachment>(`${SELECT} WHERE a.id = $1`, [id]);
  return result.rows[0];
}

export interface AttachmentFilter {
  projectId?: string;
  volumeId?: string;
  instanceUuid?: string;
}

export async function listAttachments(db: Queryable, filter: AttachmentFilter): Promise<Attachment[]> {
  for (const id of [filter.volumeId, filter.instanceUuid]) if (id !== undefined && !isUuid(id)) return [];
  const result = await db.query<Attachment>(
    `${SELECT} WHERE ($1::text IS NULL OR v.project_id = $1) AND ($2::uuid IS NULL OR a.volume_id = $2)
        AND ($3::uuid IS NULL OR a.instance_uuid = $3)
      ORDER BY a.created_at DESC, a.id`,
    [filter.projectId ?? null, filter.volumeId ?? null, filter.instanceUuid ?? null],
  );
  return result.rows;
}


async function lockVolume(db: pg.PoolClient, id: string) {
  const result = await db.query<{ status: string; multiattach: boolean }>('SELECT status, multiattach FROM volumes WHERE id = $1 FOR UPDATE', [id]);
  if (!result.rows[0]) throw volumeNotFound(id);
  return result.rows[0];
}

/** What a host needs to reach the volume: its file, raw. */
function connectionInfo(dataDir: string, attachmentId: string, volumeId: string, mode: string) {
  return {
    driver_volume_type: 'file',
    data: {
      device_path: volumePath(dataDir, volumeId),
      format: 'raw',
      name: `volume-${volumeId}`,
      volume_id: volumeId,
      attachment_id: attachmentId,
      access_mode: mode,
      encrypted: false,
      discard: true,
    },
  };
}

async function connect(db: pg.PoolClient, dataDir: string, attachment: { id: string; volume_id: string; attach_mode: string }, connector: Record<string, unknown>) {
  const host = typeof connector.host === 'string' ? connector.host : null;
  const mountpoint = typeof connector.mountpoint === 'string' ? connector.mountpoint : null;
  await db.query(
    `UPDATE volume_attachments SET attach_status = 'attaching', connector = $2, connection_info = $3, attached_host = $4,
            mountpoint = COALESCE($5, mountpoint), updated_at = now() WHERE id = $1`,
    [attachment.id, JSON.stringify(connector), JSON.stringify(connectionInfo(dataDir, attachment.id, attachment.volume_id, attachment.attach_mode)), host, mountpoint],
  );
  await db.query(`UPDATE volumes SET status = 'attaching', updated_at = now() WHERE id = $1 AND status <> 'in-use'`, [attachment.volume_id]);
}

export interface AttachmentInput {
  volumeId: string;
  instanceUuid?: string | null;
  connector?: Record<string, unknown> | null;
  mode?: 'rw' | 'ro';
}

/** Reserves the volume for an instance; with a connector, also connects it (status attaching). */
export async function createAttachment(pool: pg.Pool, dataDir: string, input: AttachmentInput): Promise<Attachment> {
  if (!isUuid(input.volumeId)) throw volumeNotFound(input.volumeId);
  const id = randomUUID();
  await inTransaction(pool, async (db) => {
    const volume = await lockVolume(db, input.volumeId);
    const allowed = volume.multiattach ? ['available', 'in-use', 'reserved', 'attaching'] : ['available'];
    if (!allowed.includes(volume.status)) {
      throw invalidVolume(
        `Volume ${input.volumeId} status must be ${volume.multiattach ? 'available or in-use' : 'available'} to reserve, but the current status is ${volume.status}.`,
      );
    }
    const mode = input.mode ?? 'rw';
    await db.query(
      `INSERT INTO volume_attachments (id, volume_id, instance_uuid, attach_status, attach_mode) VALUES ($1, $2, $3, 'reserved', $4)`,
      [id, input.volumeId, input.instanceUuid ?? null, mode],
    );
    await db.query(`UPDATE volumes SET status = 'reserved', updated_at = now() WHERE id = $1 AND status = 'available'`, [input.volumeId]);
    if (input.connector) await connect(db, dataDir, { id, volume_id: input.volumeId, attach_mode: mode }, input.connector);
  });
  return (await getAttachment(pool, id))!;
}

async function lockAttachment(db: pg.PoolClient, id: string): Promise<Attachment> {
  const found = await getAttachment(db, id);
  if (!found) throw attachmentNotFound(id);
  await lockVolume(db, found.volume_id);
  const locked = await getAttachment(db, id);
  if (!locked) throw attachmentNotFound(id);
  return locked;
}

/** Connects a reserved attachment to the host the connector describes and returns the connection info. */
export async function updateAttachment(pool: pg.Pool, dataDir: string, id: string, connector: Record<string, unknown>): Promise<Attachment> {
  await inTransaction(pool, async (db) => {
    const attachment = await lockAttachment(db, id);
    if (attachment.attach_status === 'attached') {
      throw invalidVolume(`Attachment ${id} is already attached; delete it and create a new one to attach elsewhere.`);
    }
    await connect(db, dataDir, attachment, connector);
  });
  return (await getAttachment(pool, id))!;
}

/** The host has attached the volume (os-complete): attachment attached, volume in-use. Idempotent. */
export async function completeAttachment(pool: pg.Pool, id: string): Promise<Attachment> {
  await inTransaction(pool, async (db) => {
    const attachment = await lockAttachment(db, id);
    if (attachment.attach_status === 'attached') return;
    await db.query(`UPDATE volume_attachments SET attach_status = 'attached', attach_time = now(), updated_at = now() WHERE id = $1`, [id]);
    await db.query(`UPDATE volumes SET status = 'in-use', attach_status = 'attached', updated_at = now() WHERE id = $1`, [attachment.volume_id]);
  });
  return (await getAttachment(pool, id))!;
}

/** Removes the attachment; the volume goes back to available once nothing else holds it. False when absent. */
export async function deleteAttachment(pool: pg.Pool, id: string): Promise<boolean> {
  if (!isUuid(id)) return false;
  return inTransaction(pool, async (db) => {
    const found = await getAttachment(db, id);
    if (!found) return false;
    await lockVolume(db, found.volume_id);
    const attachment = await getAttachment(db, id);
    if (!attachment) return false;
    await db.query('DELETE FROM volume_attachments WHERE id = $1', [id]);
    const rest = await db.query<{ attach_status: string }>('SELECT attach_status FROM volume_attachments WHERE volume_id = $1', [attachment.volume_id]);
    const states = rest.rows.map((r) => r.attach_status);
    const [status, attachStatus] = states.includes('attached')
      ? ['in-use', 'attached']
      : states.includes('attaching')
        ? ['attaching', 'detached']
        : states.length > 0
          ? ['reserved', 'detached']
          : ['available', 'detached'];
    await db.query('UPDATE volumes SET status = $2, attach_status = $3, updated_at = now() WHERE id = $1', [attachment.volume_id, status, attachStatus]);
    return true;
  });
}
