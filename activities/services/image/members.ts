/** Image members: the projects a `shared` image is offered to, each with its answer (pending, accepted, rejected). */
import type pg from 'pg';
import { conflict } from './errors.ts';
import type { MemberRecord, MemberStatus } from './records.ts';

const MEMBER_COLUMNS = 'image_id::text AS image_id, member_id, status, created_at, updated_at';

export async function listMembers(db: pg.Pool, imageId: string): Promise<MemberRecord[]> {
  const rows = await db.query<MemberRecord>(`SELECT ${MEMBER_COLUMNS} FROM image_members WHERE image_id = $1 ORDER BY created_at, member_id`, [
    imageId,
  ]);
  return rows.rows;
}

export async function getMember(db: pg.Pool, imageId: string, memberId: string): Promise<MemberRecord | undefined> {
  const rows = await db.query<MemberRecord>(`SELECT ${MEMBER_COLUMNS} FROM image_members WHERE image_id = $1 AND member_id = $2`, [
    imageId,
    memberId,
  ]);
  return rows.rows[0];
}

export async function addMember(db: pg.Pool, imageId: string, memberId: string): Promise<MemberRecord> {
  const rows = await db.query<MemberRecord>(
    `INSERT INTO image_members (image_id, member_id) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING ${MEMBER_COLUMNS}`,
    [imageId, memberId],
  );
  if (!rows.rows[0]) throw conflict(`Member ${memberId} is duplicated for image ${imageId}`);
  return rows.rows[0];
}

export async function setMemberStatus(db: pg.Pool, imageId: string, memberId: string, status: MemberStatus): Promise<MemberRecord | undefined> {
  const rows = await db.query<MemberRecord>(
    `UPDATE image_members SET status = $3, updated_at = clock_timestamp() WHERE image_id = $1 AND member_id = $2 RETURNING ${MEMBER_COLUMNS}`,
    [imageId, memberId, status],
  );
  return rows.rows[0];
}

export async function removeMember(db: pg.Pool, imageId: string, memberId: string): Promise<boolean> {
  const removed = await db.query('DELETE FROM image_members WHERE image_id = $1 AND member_id = $2', [imageId, memberId]);
  return removed.rowCount === 1;
}

/** Whether `projectId` is a member of the image (in any status): it may then see the image. */
export async function isMember(db: pg.Pool, imageId: string, projectId: string | undefined): Promise<boolean> {
  if (projectId === undefined) return false;
  const found = await db.query('SELECT 1 FROM image_members WHERE image_id = $1 AND member_id = $2', [imageId, projectId]);
  return (found.rowCount ?? 0) > 0;
}
