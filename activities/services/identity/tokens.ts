/**
 * Tokens: 32 random bytes (base64url) handed to the client once; the database keeps only their SHA-256. A token
 * is valid until it expires or is revoked, and only while its user, domain and project stay enabled. Roles are
 * read at validation time, so a role removed takes effect on the next request.
 */
import { createHash, randomBytes } from 'node:crypto';
import type pg from 'pg';

type Queryable = Pick<pg.Pool, 'query'>;

export interface NamedRef {
  id: string;
  name: string;
}

export interface TokenInfo {
  auditId: string;
  methods: string[];
  issuedAt: Date;
  expiresAt: Date;
  user: NamedRef & { domain: NamedRef };
  project?: NamedRef & { domain: NamedRef };
  domain?: NamedRef;
  /** Effective roles on the scope, implied roles included. Empty for an unscoped token. */
  roles: NamedRef[];
}

export function tokenHash(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}

export interface Scope {
  projectId?: string;
  domainId?: string;
}

/** Effective roles of a user on a project or domain, following implied roles transitively. */
export async function effectiveRoles(db: Queryable, userId: string, scope: Scope): Promise<NamedRef[]> {
  if (!scope.projectId && !scope.domainId) return [];
  const result = await db.query<NamedRef>(
    `WITH RECURSIVE granted(role_id) AS (
       SELECT role_id FROM role_assignments
        WHERE user_id = $1 AND (($2::text IS NOT NULL AND project_id = $2) OR ($3::text IS NOT NULL AND domain_id = $3))
       UNION
       SELECT i.implied_role_id FROM implied_roles i JOIN granted g ON g.role_id = i.prior_role_id
     )
     SELECT r.id, r.name FROM roles r JOIN granted g ON g.role_id = r.id ORDER BY r.name`,
    [userId, scope.projectId ?? null, scope.domainId ?? null],
  );
  return result.rows;
}

export async function issueToken(
  db: Queryable,
  input: { userId: string; scope: Scope; methods: string[]; ttlSeconds: number; now?: Date },
): Promise<{ token: string; info: TokenInfo }> {
  const token = randomBytes(32).toString('base64url');
  const issuedAt = input.now ?? new Date();
  const expiresAt = new Date(issuedAt.getTime() + input.ttlSeconds * 1000);
  const auditId = randomBytes(16).toString('base64url').slice(0, 22);
  await db.query(
    `INSERT INTO tokens (token_hash, audit_id, user_id, project_id, domain_id, methods, issued_at, expires_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [tokenHash(token), auditId, input.userId, input.scope.projectId ?? null, input.scope.domainId ?? null,
      input.methods, issuedAt, expiresAt],
  );
  const info = await validateToken(db, token, issuedAt);
  if (!info) throw new Error('token vanished right after it was issued');
  return { token, info };
}

interface TokenRow {
  audit_id: string;
  methods: string[];
  issued_at: Date;
  expires_at: Date;
  user_id: string;
  user_name: string;
  user_domain_id: string;
  user_domain_name: string;
  project_id: string | null;
  project_name: string | null;
  project_domain_id: string | null;
  project_domain_name: string | null;
  domain_id: string | null;
  domain_name: string | null;
}

/** The token's details, or undefined when it is unknown, expired, revoked or its owner is disabled. */
export async function validateToken(db: Queryable, token: string, now = new Date()): Promise<TokenInfo | undefined> {
  const result = await db.query<TokenRow>(
    `SELECT t.audit_id, t.methods, t.issued_at, t.expires_at,
            u.id AS user_id, u.name AS user_name, ud.id AS user_domain_id, ud.name AS user_domain_name,
            p.id AS project_id, p.name AS project_name, pd.id AS project_domain_id, pd.name AS project_domain_name,
            sd.id AS domain_id, sd.name AS domain_name
       FROM tokens t
       JOIN users u ON u.id = t.user_id AND u.enabled
       JOIN domains ud ON ud.id = u.domain_id AND ud.enabled
       LEFT JOIN projects p ON p.id = t.project_id
       LEFT JOIN domains pd ON pd.id = p.domain_id
       LEFT JOIN domains sd ON sd.id = t.domain_id
      WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND t.expires_at > $2
        AND (t.project_id IS NULL OR (p.enabled AND pd.enabled))
        AND (t.domain_id IS NULL OR sd.enabled)`,
    [tokenHash(token), now],
  );
  const row = result.rows[0];
  if (!row) return undefined;
  const scope: Scope = { projectId: row.project_id ?? undefined, domainId: row.domain_id ?? undefined };
  const roles = await effectiveRoles(db, row.user_id, scope);
  if ((scope.projectId || scope.domainId) && roles.length === 0) return undefined; // every role was taken away
  return {
    auditId: row.audit_id,
    methods: row.methods,
    issuedAt: row.issued_at,
    expiresAt: row.expires_at,
    user: { id: row.user_id, name: row.user_name, domain: { id: row.user_domain_id, name: row.user_domain_name } },
    project: row.project_id
      ? { id: row.project_id, name: row.project_name!, domain: { id: row.project_domain_id!, name: row.project_domain_name! } }
      : undefined,
    domain: row.domain_id ? { id: row.domain_id, name: row.domain_name! } : undefined,
    roles,
  };
}

/** Revokes a token; true when it was valid until now. */
export async function revokeToken(db: Queryable, token: string): Promise<boolean> {
  const result = await db.query(
    `UPDATE tokens SET revoked_at = now() WHERE token_hash = $1 AND revoked_at IS NULL AND expires_at > now()`,
    [tokenHash(token)],
  );
  return (result.rowCount ?? 0) > 0;
}

/** Expired tokens are of no use to anyone; dropping them keeps the table small. */
export async function purgeExpiredTokens(db: Queryable, olderThan: Date): Promise<number> {
  const result = await db.query('DELETE FROM tokens WHERE expires_at < $1', [olderThan]);
  return result.rowCount ?? 0;
}
