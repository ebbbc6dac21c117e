/**
 * The identity resources served by the generic CRUD routes: their request schemas, how a request becomes row
 * values, and how a row is shown (Keystone's entity shapes).
 */
import { z } from 'zod';
import { DEFAULT_DOMAIN_ID, newId } from '../../activities/services/identity/ids.ts';
import { hashPassword } from '../../activities/services/identity/passwords.ts';
import type { IdentityTable, Row } from '../../activities/services/identity/table-store.ts';
import type { AuthContext } from '../auth/context.ts';
import type { Target } from '../auth/policy.ts';

const name = z.string().trim().min(1, 'must not be empty').max(255, 'is too long');
const description = z.string().max(65535).nullable().optional();
const enabled = z.boolean().optional();
const id = z.string().min(1).max(64);
/** Keystone ignores attributes it does not store on most entities; unknown keys pass through unused. */
const entity = <T extends z.ZodRawShape>(shape: T) => z.looseObject(shape);

export interface EntitySpec {
  table: IdentityTable;
  member: string;
  collection: string;
  /** Query parameter → column, for list filters. */
  filters: Record<string, { column: string; kind: 'text' | 'bool' }>;
  create: z.ZodType<Record<string, unknown>>;
  update: z.ZodType<Record<string, unknown>>;
  toCreateRow(body: Record<string, unknown>, auth: AuthContext): Promise<Record<string, unknown>>;
  toUpdateRow(body: Record<string, unknown>): Promise<Record<string, unknown>>;
  view(row: Row, base: string): Record<string, unknown>;
  /** Policy target of one row: whose project or user it is. */
  target(row: Row): Target;
  /** Text of the 409 when a unique key is taken. */
  conflict(values: Record<string, unknown>): string;
}

const links = (base: string, collection: string, rowId: string) => ({ self: `${base}/v3/${collection}/${rowId}` });
const pick = (body: Record<string, unknown>, keys: string[]) =>
  Object.fromEntries(keys.filter((k) => body[k] !== undefined).map((k) => [k, body[k] ?? (k === 'description' ? '' : null)]));

export const domainSpec: EntitySpec = {
  table: 'domains',
  member: 'domain',
  collection: 'domains',
  filters: { name: { column: 'name', kind: 'text' }, enabled: { column: 'enabled', kind: 'bool' } },
  create: entity({ name, description, enabled, id: id.optional() }),
  update: entity({ name: name.optional(), description, enabled }),
  toCreateRow: async (b) => ({ id: (b.id as string | undefined) ?? newId(), ...pick(b, ['name', 'description', 'enabled']) }),
  toUpdateRow: async (b) => pick(b, ['name', 'description', 'enabled']),
  view: (r, base) => ({
    id: r.id, name: r.name, description: r.description, enabled: r.enabled, tags: [], options: {},
    links: links(base, 'domains', r.id),
  }),
  target: () => ({}),
  conflict: (v) => `it is not permitted to have two domains with the same name: ${String(v.name)}`,
};

export const projectSpec: EntitySpec = {
  table: 'projects',
  member: 'project',
  collection: 'projects',
  filters: {
    name: { column: 'name', kind: 'text' },
    domain_id: { column: 'domain_id', kind: 'text' },
    enabled: { column: 'enabled', kind: 'bool' },
  },
  create: entity({ name, description, enabled, domain_id: id.optional(), parent_id: id.nullable().optional(), is_domain: z.literal(false).optional() }),
  update: entity({ name: name.optional(), description, enabled }),
  toCreateRow: async (b, auth) => ({
    id: newId(),
    domain_id: (b.domain_id as string | undefined) ?? (b.parent_id as string | undefined) ?? auth.info.project?.domain.id ?? DEFAULT_DOMAIN_ID,
    ...pick(b, ['name', 'description', 'enabled']),
  }),
  toUpdateRow: async (b) => pick(b, ['name', 'description', 'enabled']),
  view: (r, base) => ({
    id: r.id, name: r.name, domain_id: r.domain_id, description: r.description, enabled: r.enabled,
    parent_id: r.domain_id, is_domain: false, tags: [], options: {}, links: links(base, 'projects', r.id),
  }),
  target: (r) => ({ projectId: r.id }),
  conflict: (v) => `it is not permitted to have two projects with the same name in the same domain : ${String(v.name)}`,
};

const password = z.string().max(4096).nullable().optional();

export const userSpec: EntitySpec = {
  table: 'users',
  member: 'user',
  collection: 'users',
  filters: {
    name: { column: 'name', kind: 'text' },
    domain_id: { column: 'domain_id', kind: 'text' },
    enabled: { column: 'enabled', kind: 'bool' },
  },
  create: entity({
    name, description, enabled, password, domain_id: id.optional(),
    email: z.string().max(255).nullable().optional(), default_project_id: id.nullable().optional(),
  }),
  update: entity({
    name: name.optional(), description, enabled, password,
    email: z.string().max(255).nullable().optional(), default_project_id: id.nullable().optional(),
  }),
  toCreateRow: async (b, auth) => ({
    id: newId(),
    domain_id: (b.domain_id as string | undefined) ?? auth.info.user.domain.id,
    password_hash: typeof b.password === 'string' ? await hashPassword(b.password) : null,
    ...pick(b, ['name', 'description', 'enabled', 'email', 'default_project_id']),
  }),
  toUpdateRow: async (b) => ({
    ...pick(b, ['name', 'description', 'enabled', 'email', 'default_project_id']),
    ...(b.password !== undefined ? { password_hash: typeof b.password === 'string' ? await hashPassword(b.password) : null } : {}),
  }),
  view: (r, base) => ({
    id: r.id, name: r.name, domain_id: r.domain_id, enabled: r.enabled, password_expires_at: null, options: {},
    ...(r.email ? { email: r.email } : {}),
    ...(r.description ? { description: r.description } : {}),
    ...(r.default_project_id ? { default_project_id: r.default_project_id } : {}),
    links: links(base, 'users', r.id),
  }),
  target: (r) => ({ userId: r.id }),
  conflict: (v) => `Duplicate entry found with name ${String(v.name)} at domain ID ${String(v.domain_id)}`,
};

export const roleSpec: EntitySpec = {
  table: 'roles',
  member: 'role',
  collection: 'roles',
  filters: { name: { column: 'name', kind: 'text' } },
  create: entity({ name, description }),
  update: entity({ name: name.optional(), description }),
  toCreateRow: async (b) => ({ id: newId(), ...pick(b, ['name', 'description']) }),
  toUpdateRow: async (b) => pick(b, ['name', 'description']),
  view: (r, base) => ({
    id: r.id, name: r.name, domain_id: null, description: r.description ?? null, options: {}, links: links(base, 'roles', r.id),
  }),
  target: () => ({}),
  conflict: (v) => `Duplicate entry found with name ${String(v.name)}`,
};
