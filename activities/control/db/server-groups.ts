/**
 * Server group queries: the groups of a project, their members (instance uuids the scheduler adds as it places
 * servers), and what the scheduler needs to place a new member (policy, rules, hosts already used).
 */
import { randomUUID } from 'node:crypto';
import type pg from 'pg';

type Queryable = Pick<pg.Pool, 'query'>;

/** Nova's default quotas: server groups per project, and servers per group. */
export const SERVER_GROUPS_QUOTA = 10;
export const SERVER_GROUP_MEMBERS_QUOTA = 10;

export const SERVER_GROUP_POLICIES = ['affinity', 'anti-affinity', 'soft-affinity', 'soft-anti-affinity'] as const;
export type ServerGroupPolicy = (typeof SERVER_GROUP_POLICIES)[number];

export interface ServerGroupRules {
  max_server_per_host?: number;
}

export interface ServerGroupRow {
  id: string;
  name: string;
  project_id: string;
  user_id: string;
  policy: ServerGroupPolicy;
  rules: ServerGroupRules;
  /** Member instance uuids in the order they joined, without instances already deleted. */
  members: string[];
  created_at: Date;
}

/** Members whose instance is deleted are not shown (an instance not recorded yet still is). */
const SELECT = `SELECT g.*, COALESCE((
    SELECT array_agg(m.instance_uuid::text ORDER BY m.created_at, m.instance_uuid)
      FROM server_group_members m
      LEFT JOIN instances i ON i.uuid = m.instance_uuid
     WHERE m.group_id = g.id AND i.deleted_at IS NULL), '{}') AS members
  FROM server_groups g`;

const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;

/** Groups in creation order: one project's, or every project's when `projectId` is undefined. */
export async function listServerGroups(
  db: Queryable,
  projectId?: string,
  page: { limit?: number; offset?: number } = {},
): Promise<ServerGroupRow[]> {
  const result = await db.query<ServerGroupRow>(
    `${SELECT} WHERE $1::text IS NULL OR g.project_id = $1 ORDER BY g.created_at, g.id LIMIT $2 OFFSET $3`,
    [projectId ?? null, page.limit ?? null, page.offset ?? 0],
  );
  return result.rows;
}

/** One group; with `projectId`, only if it belongs to that project (non-admin callers see no other). */
export async function getServerGroup(db: Queryable, id: string, projectId?: string): Promise<ServerGroupRow | undefined> {
  if (!UUID.test(id)) return undefined;
  const result = await db.query<ServerGroupRow>(`${SELECT} WHERE g.id = $1 AND ($2::text IS NULL OR g.project_id = $2)`, [id, projectId ?? null]);
  return result.rows[0];
}

export async function countServerGroups(db: Queryable, projectId: string): Promise<number> {
  const result = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM server_groups WHERE project_id = $1', [projectId]);
  return result.rows[0]!.n;
}

export interface NewServerGroup {
  name: string;
  projectId: string;
  userId: string;
  policy: ServerGroupPolicy;
  rules: ServerGroupRules;
}

/** Creates a group unless the project already has `quota` of them (counted under a per-project lock). */
export async function createServerGroup(pool: pg.Pool, g: NewServerGroup, quota = SERVER_GROUPS_QUOTA): Promise<ServerGroupRow | 'over-quota'> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query("SELECT pg_advisory_xact_lock(hashtext('server_groups'), hashtext($1))", [g.projectId]);
    if ((await countServerGroups(client, g.projectId)) >= quota) {
      await client.query('ROLLBACK');
      return 'over-quota';
    }
    const id = randomUUID();
    await client.query('INSERT INTO server_groups (id, name, project_id, user_id, policy, rules) VALUES ($1, $2, $3, $4, $5, $6)', [
      id, g.name, g.projectId, g.userId, g.policy, JSON.stringify(g.rules),
    ]);
    await client.query('COMMIT');
    return (await getServerGroup(pool, id))!;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

/** Deletes a group and its membership records. */
export async function deleteServerGroup(db: Queryable, id: string): Promise<boolean> {
  if (!UUID.test(id)) return false;
  const result = await db.query('DELETE FROM server_groups WHERE id = $1', [id]);
  return (result.rowCount ?? 0) > 0;
}

/**
 * Adds instances to a group (already present ones are kept), refusing when the group would hold more than
 * `quota` members. 'missing' when the group does not exist.
 */
export async function addServerGroupMembers(
  pool: pg.Pool,
  groupId: string,
  instanceUuids: readonly string[],
  quota = SERVER_GROUP_MEMBERS_QUOTA,
): Promise<'ok' | 'missing' | 'over-quota'> {
  if (!UUID.test(groupId)) return 'missing';
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const group = await client.query('SELECT 1 FROM server_groups WHERE id = $1 FOR UPDATE', [groupId]);
    if (group.rowCount === 0) {
      await client.query('ROLLBACK');
      return 'missing';
    }
    const count = await client.query<{ n: number }>(
      `SELECT count(DISTINCT u)::int AS n FROM (
         SELECT instance_uuid AS u FROM server_group_members WHERE group_id = $1
         UNION SELECT unnest($2::uuid[])) members`,
      [groupId, instanceUuids],
    );
    if (count.rows[0]!.n > quota) {
      await client.query('ROLLBACK');
      return 'over-quota';
    }
    await client.query(
      `INSERT INTO server_group_members (group_id, instance_uuid) SELECT $1, u FROM unnest($2::uuid[]) u
       ON CONFLICT DO NOTHING`,
      [groupId, instanceUuids],
    );
    await client.query('COMMIT');
    return 'ok';
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

/** Removes instances from a group, or from whatever group holds them when `groupId` is undefined. */
export async function removeServerGroupMembers(db: Queryable, instanceUuids: readonly string[], groupId?: string): Promise<number> {
  const result = await db.query('DELETE FROM server_group_members WHERE instance_uuid = ANY($1::uuid[]) AND ($2::uuid IS NULL OR group_id = $2)', [
    instanceUuids,
    groupId ?? null,
  ]);
  return result.rowCount ?? 0;
}

/** The group an instance belongs to, if any. */
export async function serverGroupOfInstance(db: Queryable, instanceUuid: string): Promise<ServerGroupRow | undefined> {
  const result = await db.query<ServerGroupRow>(
    `${SELECT} WHERE g.id = (SELECT group_id FROM server_group_members WHERE instance_uuid = $1 ORDER BY created_at LIMIT 1)`,
    [instanceUuid],
  );
  return result.rows[0];
}

/** What the scheduler's server group filters and weighers read. */
export interface ServerGroupPlacement {
  uuid: string;
  policy: ServerGroupPolicy;
  members: string[];
  /** The host of each member already placed (one entry per member, so a host can appear more than once). */
  hosts: string[];
  maxServerPerHost?: number;
}

export async function serverGroupPlacement(db: Queryable, groupId: string): Promise<ServerGroupPlacement | undefined> {
  const group = await getServerGroup(db, groupId);
  if (!group) return undefined;
  const hosts = await db.query<{ host: string }>(
    `SELECT i.host FROM server_group_members m JOIN instances i ON i.uuid = m.instance_uuid
      WHERE m.group_id = $1 AND i.deleted_at IS NULL AND i.host IS NOT NULL ORDER BY m.created_at`,
    [groupId],
  );
  return {
    uuid: group.id,
    policy: group.policy,
    members: group.members,
    hosts: hosts.rows.map((r) => r.host),
    ...(group.rules.max_server_per_host !== undefined ? { maxServerPerHost: group.rules.max_server_per_host } : {}),
  };
}
