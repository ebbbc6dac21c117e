/** Role grants of users on projects and domains. */
import type pg from 'pg';

type Queryable = Pick<pg.Pool, 'query'>;

export interface GrantTarget {
  projectId?: string;
  domainId?: string;
}

export async function grantRole(db: Queryable, userId: string, roleId: string, t: GrantTarget): Promise<void> {
  await db.query(
    `INSERT INTO role_assignments (user_id, role_id, project_id, domain_id) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`,
    [userId, roleId, t.projectId ?? null, t.domainId ?? null],
  );
}

export async function revokeRole(db: Queryable, userId: string, roleId: string, t: GrantTarget): Promise<boolean> {
  const result = await db.query(
    `DELETE FROM role_assignments WHERE user_id = $1 AND role_id = $2
       AND project_id IS NOT DISTINCT FROM $3 AND domain_id IS NOT DISTINCT FROM $4`,
    [userId, roleId, t.projectId ?? null, t.domainId ?? null],
  );
  return (result.rowCount ?? 0) > 0;
}

export async function hasGrant(db: Queryable, userId: string, roleId: string, t: GrantTarget): Promise<boolean> {
  const result = await db.query(
    `SELECT 1 FROM role_assignments WHERE user_id = $1 AND role_id = $2
       AND project_id IS NOT DISTINCT FROM $3 AND domain_id IS NOT DISTINCT FROM $4`,
    [userId, roleId, t.projectId ?? null, t.domainId ?? null],
  );
  return (result.rowCount ?? 0) > 0;
}

/** Directly granted roles of a user on one target. */
export async function grantedRoles(db: Queryable, userId: string, t: GrantTarget) {
  const result = await db.query<{ id: string; name: string; description: string | null }>(
    `SELECT r.id, r.name, r.description FROM role_assignments a JOIN roles r ON r.id = a.role_id
      WHERE a.user_id = $1 AND a.project_id IS NOT DISTINCT FROM $2 AND a.domain_id IS NOT DISTINCT FROM $3
      ORDER BY r.name`,
    [userId, t.projectId ?? null, t.domainId ?? null],
  );
  return result.rows;
}

export interface AssignmentRow {
  user_id: string;
  user_name: string;
  user_domain_id: string;
  user_domain_name: string;
  role_id: string;
  role_name: string;
  project_id: string | null;
  project_name: string | null;
  project_domain_id: string | null;
  project_domain_name: string | null;
  domain_id: string | null;
  domain_name: string | null;
}

export async function listAssignments(
  db: Queryable,
  filter: { userId?: string; roleId?: string; projectId?: string; domainId?: string },
): Promise<AssignmentRow[]> {
  const result = await db.query<AssignmentRow>(
    `SELECT a.user_id, u.name AS user_name, u.domain_id AS user_domain_id, ud.name AS user_domain_name,
            a.role_id, r.name AS role_name, a.project_id, p.name AS project_name, p.domain_id AS project_domain_id,
            pd.name AS project_domain_name, a.domain_id, d.name AS domain_name
       FROM role_assignments a
       JOIN users u ON u.id = a.user_id
       JOIN domains ud ON ud.id = u.domain_id
       JOIN roles r ON r.id = a.role_id
       LEFT JOIN projects p ON p.id = a.project_id
       LEFT JOIN domains d ON d.id = a.domain_id
       LEFT JOIN domains pd ON pd.id = p.domain_id
      WHERE ($1::text IS NULL OR a.user_id = $1) AND ($2::text IS NULL OR a.role_id = $2)
        AND ($3::text IS NULL OR a.project_id = $3) AND ($4::text IS NULL OR a.domain_id = $4)
      ORDER BY u.name, r.name`,
    [filter.userId ?? null, filter.roleId ?? null, filter.projectId ?? null, filter.domainId ?? null],
  );
  return result.rows;
}

/** Projects where the user holds any role (Keystone's /v3/auth/projects and /v3/users/{id}/projects). */
export async function projectsOfUser(db: Queryable, userId: string) {
  const result = await db.query<{ id: string; name: string; domain_id: string; description: string; enabled: boolean }>(
    `SELECT DISTINCT p.id, p.name, p.domain_id, p.description, p.enabled, p.created_at
       FROM role_assignments a JOIN projects p ON p.id = a.project_id
      WHERE a.user_id = $1 ORDER BY p.created_at, p.id`,
    [userId],
  );
  return result.rows;
}
