/**
 * Security groups and their rules (stored; enforcement comes with the hypervisor drivers). Every project gets a
 * `default` group on first need, with Neutron's default rules: all egress (IPv4 and IPv6) and ingress from members
 * of the same group. New groups start with the two egress rules.
 */
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { inTransaction, isUuid, updateColumns, type Queryable, type Scope } from './db.ts';
import { ruleExists, securityGroupInUse, securityGroupNotFound } from './errors.ts';
import { normalizeRule, sameTraffic, type NormalizedRule, type RuleInput } from './sg-rules.ts';

export interface SecurityGroupRule {
  id: string;
  security_group_id: string;
  project_id: string;
  direction: 'ingress' | 'egress';
  ethertype: 'IPv4' | 'IPv6';
  protocol: string | null;
  port_range_min: number | null;
  port_range_max: number | null;
  remote_ip_prefix: string | null;
  remote_group_id: string | null;
  description: string;
  revision_number: number;
  created_at: Date;
  updated_at: Date;
  /** Whether the rule's group is its project's default group. */
  belongs_to_default_sg: boolean;
}

export interface SecurityGroup {
  id: string;
  project_id: string;
  name: string;
  description: string;
  is_default: boolean;
  stateful: boolean;
  tags: string[];
  revision_number: number;
  created_at: Date;
  updated_at: Date;
  rules: SecurityGroupRule[];
}

const RULE_SELECT = `
  SELECT r.*, r.remote_ip_prefix::text AS remote_ip_prefix, g.is_default AS belongs_to_default_sg
    FROM security_group_rules r JOIN security_groups g ON g.id = r.security_group_id`;

async function withRules(db: Queryable, groups: Omit<SecurityGroup, 'rules'>[]): Promise<SecurityGroup[]> {
  if (groups.length === 0) return [];
  const rules = await db.query<SecurityGroupRule>(`${RULE_SELECT} WHERE r.security_group_id = ANY($1::uuid[]) ORDER BY r.created_at, r.id`, [
    groups.map((g) => g.id),
  ]);
  return groups.map((g) => ({ ...g, rules: rules.rows.filter((r) => r.security_group_id === g.id) }));
}

export async function listSecurityGroups(db: Queryable, scope: Scope): Promise<SecurityGroup[]> {
  const groups = await db.query<Omit<SecurityGroup, 'rules'>>(
    'SELECT * FROM security_groups WHERE $1 OR project_id = $2 ORDER BY created_at, id',
    [scope.all, scope.projectId ?? null],
  );
  return withRules(db, groups.rows);
}

export async function getSecurityGroup(db: Queryable, id: string): Promise<SecurityGroup | undefined> {
  if (!isUuid(id)) return undefined;
  const groups = await db.query<Omit<SecurityGroup, 'rules'>>('SELECT * FROM security_groups WHERE id = $1', [id]);
  return (await withRules(db, groups.rows))[0];
}

export async function requireSecurityGroup(db: Queryable, id: string): Promise<SecurityGroup> {
  const group = await getSecurityGroup(db, id);
  if (!group) throw securityGroupNotFound(id);
  return group;
}

async function insertRule(db: Queryable, groupId: string, projectId: string, rule: NormalizedRule): Promise<string> {
  const id = randomUUID();
  await db.query(
    `INSERT INTO security_group_rules (id, security_group_id, project_id, direction, ethertype, protocol, port_range_min,
                                       port_range_max, remote_ip_prefix, remote_group_id, description)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
    [id, groupId, projectId, rule.direction, rule.ethertype, rule.protocol, rule.portRangeMin, rule.portRangeMax,
      rule.remoteIpPrefix, rule.remoteGroupId, rule.description],
  );
  return id;
}

const egressRules = (): NormalizedRule[] =>
  (['IPv4', 'IPv6'] as const).map((ethertype) => normalizeRule({ direction: 'egress', ethertype }));

/** The project's `default` group, created with its rules when missing (safe when many callers race). */
export async function ensureDefaultSecurityGroup(pool: pg.Pool, projectId: string): Promise<string> {
  const existing = await pool.query<{ id: string }>('SELECT id FROM security_groups WHERE project_id = $1 AND is_default', [projectId]);
  if (existing.rows[0]) return existing.rows[0].id;
  return inTransaction(pool, async (db) => {
    const id = randomUUID();
    const inserted = await db.query(
      `INSERT INTO security_groups (id, project_id, name, description, is_default) VALUES ($1, $2, 'default', 'Default security group', true)
       ON CONFLICT (project_id) WHERE is_default DO NOTHING`,
      [id, projectId],
    );
    if (inserted.rowCount === 0) {
      const winner = await db.query<{ id: string }>('SELECT id FROM security_groups WHERE project_id = $1 AND is_default', [projectId]);
      return winner.rows[0]!.id;
    }
    for (const rule of egressRules()) await insertRule(db, id, projectId, rule);
    for (const ethertype of ['IPv4', 'IPv6'] as const) {
      await insertRule(db, id, projectId, normalizeRule({ direction: 'ingress', ethertype, remoteGroupId: id }));
    }
    return id;
  });
}

export interface SecurityGroupInput {
  projectId: string;
  name?: string;
  description?: string;
  stateful?: boolean;
  tags?: string[];
}

export async function createSecurityGroup(pool: pg.Pool, input: SecurityGroupInput): Promise<SecurityGroup> {
  const id = randomUUID();
  await inTransaction(pool, async (db) => {
    await db.query(
      'INSERT INTO security_groups (id, project_id, name, description, stateful, tags) VALUES ($1, $2, $3, $4, $5, $6)',
      [id, input.projectId, input.name ?? '', input.description ?? '', input.stateful ?? true, input.tags ?? []],
    );
    for (const rule of egressRules()) await insertRule(db, id, input.projectId, rule);
  });
  return requireSecurityGroup(pool, id);
}

export async function updateSecurityGroup(
  db: Queryable,
  id: string,
  patch: { name?: string; description?: string; stateful?: boolean },
): Promise<SecurityGroup> {
  if (!isUuid(id) || !(await updateColumns(db, 'security_groups', id, patch))) throw securityGroupNotFound(id);
  return requireSecurityGroup(db, id);
}

/** Deletes a group no port uses (409 otherwise). False when absent. */
export async function deleteSecurityGroup(pool: pg.Pool, id: string): Promise<boolean> {
  if (!isUuid(id)) return false;
  return inTransaction(pool, async (db) => {
    const locked = await db.query('SELECT 1 FROM security_groups WHERE id = $1 FOR UPDATE', [id]);
    if (locked.rowCount === 0) return false;
    const used = await db.query('SELECT 1 FROM port_security_groups WHERE security_group_id = $1 LIMIT 1', [id]);
    if ((used.rowCount ?? 0) > 0) throw securityGroupInUse(id);
    await db.query('DELETE FROM security_groups WHERE id = $1', [id]);
    return true;
  });
}

export async function listRules(db: Queryable, scope: Scope): Promise<SecurityGroupRule[]> {
  const result = await db.query<SecurityGroupRule>(
    `${RULE_SELECT} WHERE $1 OR r.project_id = $2 OR g.project_id = $2 ORDER BY r.created_at, r.id`,
    [scope.all, scope.projectId ?? null],
  );
  return result.rows;
}

export async function getRule(db: Queryable, id: string): Promise<SecurityGroupRule | undefined> {
  if (!isUuid(id)) return undefined;
  const result = await db.query<SecurityGroupRule>(`${RULE_SELECT} WHERE r.id = $1`, [id]);
  return result.rows[0];
}

/** Adds a rule to a group; the same traffic twice is a 409 naming the existing rule. */
export async function createRule(pool: pg.Pool, groupId: string, input: RuleInput & { projectId: string }): Promise<SecurityGroupRule> {
  const rule = normalizeRule(input);
  if (!isUuid(groupId)) throw securityGroupNotFound(groupId);
  if (rule.remoteGroupId !== null && !isUuid(rule.remoteGroupId)) throw securityGroupNotFound(rule.remoteGroupId);
  const id = await inTransaction(pool, async (db) => {
    const locked = await db.query('SELECT 1 FROM security_groups WHERE id = $1 FOR NO KEY UPDATE', [groupId]);
    if (locked.rowCount === 0) throw securityGroupNotFound(groupId);
    if (rule.remoteGroupId !== null) {
      const remote = await db.query('SELECT 1 FROM security_groups WHERE id = $1', [rule.remoteGroupId]);
      if (remote.rowCount === 0) throw securityGroupNotFound(rule.remoteGroupId);
    }
    const existing = await db.query<SecurityGroupRule>(`${RULE_SELECT} WHERE r.security_group_id = $1`, [groupId]);
    const same = existing.rows.find((r) => sameTraffic(toNormalized(r), rule));
    if (same) throw ruleExists(same.id);
    return insertRule(db, groupId, input.projectId, rule);
  });
  return (await getRule(pool, id))!;
}

function toNormalized(r: SecurityGroupRule): NormalizedRule {
  return {
    direction: r.direction,
    ethertype: r.ethertype,
    protocol: r.protocol,
    portRangeMin: r.port_range_min,
    portRangeMax: r.port_range_max,
    remoteIpPrefix: r.remote_ip_prefix,
    remoteGroupId: r.remote_group_id,
    description: r.description,
  };
}

export async function deleteRule(db: Queryable, id: string): Promise<boolean> {
  if (!isUuid(id)) return false;
  const result = await db.query('DELETE FROM security_group_rules WHERE id = $1', [id]);
  return (result.rowCount ?? 0) > 0;
}
