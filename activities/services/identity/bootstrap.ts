/**
 * First start: the default domain, projects `admin`, `demo` and `service`, roles `admin` ⇒ `member` ⇒ `reader`,
 * user `admin` (admin on project admin), user `demo` (member on project demo) and the compute hosts' service user
 * `novaflow-compute` (admin on project service). Idempotent: existing rows, and
 * passwords changed since, are left as they are.
 */
import type pg from 'pg';
import { DEFAULT_DOMAIN_ID, newId } from './ids.ts';
import { hashPassword } from './passwords.ts';
import { inTransaction } from '../../db/transaction.ts';

export interface BootstrapInput {
  adminPassword: string;
  demoPassword: string;
  /**
   * Password of `novaflow-compute`, the service user compute hosts authenticate as to fetch images (admin on the
   * service project, as Nova's own service user); no such user without it.
   */
  computePassword?: string;
}

export const COMPUTE_SERVICE_USER = 'novaflow-compute';

async function ensure(db: pg.PoolClient, select: string, selectArgs: unknown[], insert: string, insertArgs: unknown[]): Promise<string> {
  const found = await db.query<{ id: string }>(select, selectArgs);
  if (found.rows[0]) return found.rows[0].id;
  const created = await db.query<{ id: string }>(insert, insertArgs);
  return created.rows[0]!.id;
}

export async function bootstrapIdentity(pool: pg.Pool, input: BootstrapInput): Promise<void> {
  await inTransaction(pool, async (db) => {
    await db.query('SELECT pg_advisory_xact_lock(hashtext($1))', ['novaflow-identity-bootstrap']);
    await db.query(
      `INSERT INTO domains (id, name, description) VALUES ($1, 'Default', 'The default domain') ON CONFLICT DO NOTHING`,
      [DEFAULT_DOMAIN_ID],
    );
    const role = (name: string) =>
      ensure(db, 'SELECT id FROM roles WHERE lower(name) = lower($1)', [name],
        'INSERT INTO roles (id, name) VALUES ($1, $2) RETURNING id', [newId(), name]);
    const [admin, member, reader] = [await role('admin'), await role('member'), await role('reader')];
    await db.query(
      `INSERT INTO implied_roles (prior_role_id, implied_role_id) VALUES ($1, $2), ($2, $3) ON CONFLICT DO NOTHING`,
      [admin, member, reader],
    );
    const project = (name: string, description: string) =>
      ensure(db, 'SELECT id FROM projects WHERE domain_id = $1 AND name = $2', [DEFAULT_DOMAIN_ID, name],
        'INSERT INTO projects (id, name, domain_id, description) VALUES ($1, $2, $3, $4) RETURNING id',
        [newId(), name, DEFAULT_DOMAIN_ID, description]);
    const adminProject = await project('admin', 'Bootstrap project for administering the cloud');
    const demoProject = await project('demo', 'A project for trying Novaflow as a member');
    const serviceProject = await project('service', 'Project of the service users');
    const user = async (name: string, password: string, defaultProject: string) =>
      ensure(db, 'SELECT id FROM users WHERE domain_id = $1 AND name = $2', [DEFAULT_DOMAIN_ID, name],
        'INSERT INTO users (id, name, domain_id, password_hash, default_project_id) VALUES ($1, $2, $3, $4, $5) RETURNING id',
        [newId(), name, DEFAULT_DOMAIN_ID, await hashPassword(password), defaultProject]);
    const adminUser = await user('admin', input.adminPassword, adminProject);
    const demoUser = await user('demo', input.demoPassword, demoProject);
    await db.query(
      `INSERT INTO role_assignments (user_id, role_id, project_id) VALUES ($1, $2, $3), ($4, $5, $6)
       ON CONFLICT DO NOTHING`,
      [adminUser, admin, adminProject, demoUser, member, demoProject],
    );
    if (input.computePassword !== undefined) {
      const computeUser = await user(COMPUTE_SERVICE_USER, input.computePassword, serviceProject);
      await db.query(`INSERT INTO role_assignments (user_id, role_id, project_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, [computeUser, admin, serviceProject]);
    }
  });
}
