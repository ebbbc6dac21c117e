/**
 * Listing images as Glance does: what a caller may see (admin: everything; others: public and community images,
 * their own project's, and shared ones their project is a member of), Glance's filters, several sort keys with
 * `created_at` and `id` always appended as tie breakers, and keyset paging after a marker image.
 */
import type pg from 'pg';
import { IMAGE_COLUMNS, isImageId, type ImageRecord, type MemberStatus, type Visibility } from './records.ts';

export const SORT_KEYS = ['name', 'status', 'container_format', 'disk_format', 'size', 'id', 'created_at', 'updated_at'] as const;
export type SortKey = (typeof SORT_KEYS)[number];
export type SortDir = 'asc' | 'desc';
export interface SortSpec {
  key: SortKey;
  dir: SortDir;
}

/** `name=x` or `name=in:x,y`. */
export interface Match {
  op: 'eq' | 'in';
  values: string[];
}

export type TimeOp = 'eq' | 'neq' | 'gt' | 'gte' | 'lt' | 'lte';
export interface TimeFilter {
  op: TimeOp;
  at: string;
}

export interface ImageFilters {
  id?: Match;
  name?: Match;
  status?: Match;
  container_format?: Match;
  disk_format?: Match;
  visibility?: Visibility | 'all';
  owner?: string;
  protected?: boolean;
  os_hidden: boolean;
  member_status: MemberStatus | 'all';
  tags: string[];
  size_min?: number;
  size_max?: number;
  created_at?: TimeFilter;
  updated_at?: TimeFilter;
  checksum?: string;
  os_hash_value?: string;
  /** Custom properties that must have exactly these values. */
  properties: Record<string, string>;
}

export interface Viewer {
  admin: boolean;
  projectId?: string;
}

/** Nullable sort columns compare as Glance's defaults ('' and 0), so keyset paging never meets a NULL. */
const SORT_EXPR: Readonly<Record<SortKey, (t: string) => string>> = {
  name: (t) => `coalesce(${t}.name, '')`,
  status: (t) => `${t}.status`,
  container_format: (t) => `coalesce(${t}.container_format, '')`,
  disk_format: (t) => `coalesce(${t}.disk_format, '')`,
  size: (t) => `coalesce(${t}.size, 0)`,
  id: (t) => `${t}.id`,
  created_at: (t) => `${t}.created_at`,
  updated_at: (t) => `${t}.updated_at`,
};

const TIME_OPS: Readonly<Record<TimeOp, string>> = { eq: '=', neq: '<>', gt: '>', gte: '>=', lt: '<', lte: '<=' };

class Sql {
  readonly where: string[] = [];
  readonly params: unknown[] = [];
  param(value: unknown): string {
    this.params.push(value);
    return `$${this.params.length}`;
  }
}

function matchClause(sql: Sql, column: string, match: Match | undefined): void {
  if (!match) return;
  sql.where.push(match.values.length === 1 ? `${column} = ${sql.param(match.values[0])}` : `${column} = ANY(${sql.param(match.values)}::text[])`);
}

/** Everything the viewer may see (before Glance's visibility filter rules). */
function visibleTo(sql: Sql, viewer: Viewer, memberStatus: MemberStatus | 'all'): void {
  if (viewer.admin) return;
  if (viewer.projectId === undefined) {
    sql.where.push(`i.visibility IN ('public', 'community')`);
    return;
  }
  const project = sql.param(viewer.projectId);
  const status = memberStatus === 'all' ? '' : ` AND m.status = ${sql.param(memberStatus)}`;
  sql.where.push(`(i.visibility IN ('public', 'community') OR i.owner = ${project}
    OR (i.visibility = 'shared' AND EXISTS (SELECT 1 FROM image_members m WHERE m.image_id = i.id AND m.member_id = ${project}${status})))`);
}

function filterClauses(sql: Sql, viewer: Viewer, f: ImageFilters): void {
  sql.where.push('i.deleted_at IS NULL', `i.status <> 'killed'`, `i.os_hidden = ${sql.param(f.os_hidden)}`);
  visibleTo(sql, viewer, f.member_status);
  if (f.visibility === undefined) {
    // Community images show only when asked for, or to their owner.
    sql.where.push(viewer.projectId === undefined ? `i.visibility <> 'community'` : `(i.visibility <> 'community' OR i.owner = ${sql.param(viewer.projectId)})`);
  } else if (f.visibility !== 'all') {
    sql.where.push(`i.visibility = ${sql.param(f.visibility)}`);
  }
  if (f.id) {
    const ids = f.id.values.filter(isImageId).map((v) => v.toLowerCase());
    sql.where.push(`i.id = ANY(${sql.param(ids)}::uuid[])`);
  }
  matchClause(sql, 'i.name', f.name);
  matchClause(sql, 'i.status', f.status);
  matchClause(sql, 'i.container_format', f.container_format);
  matchClause(sql, 'i.disk_format', f.disk_format);
  if (f.owner !== undefined) sql.where.push(`i.owner = ${sql.param(f.owner)}`);
  if (f.protected !== undefined) sql.where.push(`i.protected = ${sql.param(f.protected)}`);
  if (f.tags.length > 0) sql.where.push(`i.tags @> ${sql.param(f.tags)}::text[]`);
  if (f.size_min !== undefined) sql.where.push(`i.size >= ${sql.param(f.size_min)}`);
  if (f.size_max !== undefined) sql.where.push(`i.size <= ${sql.param(f.size_max)}`);
  for (const column of ['created_at', 'updated_at'] as const) {
    const t = f[column];
    if (t) sql.where.push(`i.${column} ${TIME_OPS[t.op]} ${sql.param(t.at)}::timestamptz`);
  }
  if (f.checksum !== undefined) sql.where.push(`i.checksum = ${sql.param(f.checksum)}`);
  if (f.os_hash_value !== undefined) sql.where.push(`i.os_hash_value = ${sql.param(f.os_hash_value)}`);
  if (Object.keys(f.properties).length > 0) sql.where.push(`i.properties @> ${sql.param(JSON.stringify(f.properties))}::jsonb`);
}

/** Rows strictly after the marker in the sort order: (k1 after) or (k1 equal and k2 after) or ... */
function afterMarker(sql: Sql, sort: readonly SortSpec[], markerId: string): string {
  const marker = sql.param(markerId);
  const alternatives = sort.map((s, i) => {
    const equalBefore = sort.slice(0, i).map((p) => `${SORT_EXPR[p.key]('i')} = ${SORT_EXPR[p.key]('mk')}`);
    const beyond = `${SORT_EXPR[s.key]('i')} ${s.dir === 'asc' ? '>' : '<'} ${SORT_EXPR[s.key]('mk')}`;
    return `(${[...equalBefore, beyond].join(' AND ')})`;
  });
  return `EXISTS (SELECT 1 FROM images mk WHERE mk.id = ${marker}::uuid AND (${alternatives.join(' OR ')}))`;
}

/** `sort` must already end with created_at and id (see `completeSort`). */
export async function listImages(
  db: pg.Pool,
  viewer: Viewer,
  filters: ImageFilters,
  opts: { sort: readonly SortSpec[]; limit: number; markerId?: string },
): Promise<ImageRecord[]> {
  const sql = new Sql();
  filterClauses(sql, viewer, filters);
  if (opts.markerId !== undefined) sql.where.push(afterMarker(sql, opts.sort, opts.markerId));
  const order = opts.sort.map((s) => `${SORT_EXPR[s.key]('i')} ${s.dir.toUpperCase()}`).join(', ');
  const limit = sql.param(opts.limit);
  const rows = await db.query<ImageRecord>(
    `SELECT ${IMAGE_COLUMNS} FROM images i WHERE ${sql.where.join(' AND ')} ORDER BY ${order} LIMIT ${limit}`,
    sql.params,
  );
  return rows.rows;
}

/** Glance's tie breakers: created_at then id (when not sorted by already), in direction `dir`. */
export function completeSort(sort: readonly SortSpec[], dir: SortDir): SortSpec[] {
  const complete = [...sort];
  for (const key of ['created_at', 'id'] as const) {
    if (!complete.some((s) => s.key === key)) complete.push({ key, dir });
  }
  return complete;
}
