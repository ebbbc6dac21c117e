/** Resolving who asks for a token: a user by id, or by name within a domain given by id or name. */
import type pg from 'pg';
import { verifyPassword } from './passwords.ts';

type Queryable = Pick<pg.Pool, 'query'>;

export interface UserRef {
  id?: string;
  name?: string;
  domain?: { id?: string; name?: string };
}

export interface AuthUser {
  id: string;
  name: string;
  domain_id: string;
  default_project_id: string | null;
}

/** The enabled user (in an enabled domain) the reference names, or undefined. */
export async function findUser(db: Queryable, ref: UserRef): Promise<(AuthUser & { password_hash: string | null }) | undefined> {
  const result = await db.query<AuthUser & { password_hash: string | null }>(
    `SELECT u.id, u.name, u.domain_id, u.default_project_id, u.password_hash
       FROM users u JOIN domains d ON d.id = u.domain_id
      WHERE u.enabled AND d.enabled
        AND ($1::text IS NULL OR u.id = $1)
        AND ($2::text IS NULL OR u.name = $2)
        AND ($3::text IS NULL OR d.id = $3)
        AND ($4::text IS NULL OR lower(d.name) = lower($4))`,
    [ref.id ?? null, ref.name ?? null, ref.domain?.id ?? null, ref.domain?.name ?? null],
  );
  return result.rows.length === 1 ? result.rows[0] : undefined;
}

/** Checks a password; the same answer (undefined) for an unknown user and a wrong password. */
export async function authenticateUser(db: Queryable, ref: UserRef, password: string): Promise<AuthUser | undefined> {
  if (!ref.id && !(ref.name && (ref.domain?.id || ref.domain?.name))) return undefined;
  const user = await findUser(db, ref);
  if (!user || !(await verifyPassword(password, user.password_hash))) return undefined;
  return { id: user.id, name: user.name, domain_id: user.domain_id, default_project_id: user.default_project_id };
}

export interface ProjectRef {
  id?: string;
  name?: string;
  domain?: { id?: string; name?: string };
}

/** An enabled project (in an enabled domain), by id or by name within a domain. */
export async function findProject(db: Queryable, ref: ProjectRef): Promise<{ id: string } | undefined> {
  if (!ref.id && !(ref.name && (ref.domain?.id || ref.domain?.name))) return undefined;
  const result = await db.query<{ id: string }>(
    `SELECT p.id FROM projects p JOIN domains d ON d.id = p.domain_id
      WHERE p.enabled AND d.enabled
        AND ($1::text IS NULL OR p.id = $1) AND ($2::text IS NULL OR p.name = $2)
        AND ($3::text IS NULL OR d.id = $3) AND ($4::text IS NULL OR lower(d.name) = lower($4))`,
    [ref.id ?? null, ref.name ?? null, ref.domain?.id ?? null, ref.domain?.name ?? null],
  );
  return result.rows.length === 1 ? result.rows[0] : undefined;
}

export async function findDomain(db: Queryable, ref: { id?: string; name?: string }): Promise<{ id: string } | undefined> {
  if (!ref.id && !ref.name) return undefined;
  const result = await db.query<{ id: string }>(
    `SELECT id FROM domains WHERE enabled AND ($1::text IS NULL OR id = $1) AND ($2::text IS NULL OR lower(name) = lower($2))`,
    [ref.id ?? null, ref.name ?? null],
  );
  return result.rows[0];
}
