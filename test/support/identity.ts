/**
 * Tokens for tests of the services behind authentication: a user with a role on a project (both created when
 * missing, straight in the identity tables), and a real token issued for them.
 */
import type pg from 'pg';
import { DEFAULT_DOMAIN_ID, newId } from '../../activities/services/identity/ids.ts';
import { issueToken } from '../../activities/services/identity/tokens.ts';

export interface TestCredentials {
  token: string;
  userId: string;
  projectId: string;
}

export async function tokenFor(
  db: pg.Pool,
  opts: { project: string; role: 'admin' | 'member' | 'reader'; user?: string },
): Promise<TestCredentials> {
  const user = opts.user ?? `${opts.role}-of-${opts.project}`;
  const project = await db.query<{ id: string }>(
    `INSERT INTO projects (id, name, domain_id) VALUES ($1, $2, $3)
     ON CONFLICT (domain_id, name) DO UPDATE SET name = EXCLUDED.name RETURNING id`,
    [newId(), opts.project, DEFAULT_DOMAIN_ID],
  );
  const projectId = project.rows[0]!.id;
  const created = await db.query<{ id: string }>(
    `INSERT INTO users (id, name, domain_id) VALUES ($1, $2, $3)
     ON CONFLICT (domain_id, name) DO UPDATE SET name = EXCLUDED.name RETURNING id`,
    [newId(), user, DEFAULT_DOMAIN_ID],
  );
  const userId = created.rows[0]!.id;
  await db.query(
    `INSERT INTO role_assignments (user_id, role_id, project_id)
     SELECT $1, id, $2 FROM roles WHERE name = $3 ON CONFLICT DO NOTHING`,
    [userId, projectId, opts.role],
  );
  const { token } = await issueToken(db, { userId, scope: { projectId }, methods: ['password'], ttlSeconds: 3600 });
  return { token, userId, projectId };
}
