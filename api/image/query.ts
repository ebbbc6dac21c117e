/**
 * The query of `GET /v2/images` as Glance reads it: paging (limit, marker), sorting (`sort_key`/`sort_dir`, or
 * `sort=key:dir,...`), the filters it knows, `in:` lists and comparison operators, and every other parameter as
 * a custom property that must match exactly. Bad values are 400s worded as Glance words them.
 */
import { badRequest } from '../../activities/services/image/errors.ts';
import {
  SORT_KEYS,
  type ImageFilters,
  type Match,
  type SortDir,
  type SortKey,
  type SortSpec,
  type TimeFilter,
  type TimeOp,
} from '../../activities/services/image/list.ts';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, MEMBER_STATUSES, type MemberStatus } from '../../activities/services/image/records.ts';
import { putProperty } from './validation.ts';

export interface ListRequest {
  filters: ImageFilters;
  sort: SortSpec[];
  /** Direction of the created_at/id tie breakers. */
  tieDir: SortDir;
  limit: number;
  marker?: string;
}

/** The query as name → values (repeated parameters keep every value, in order). */
export type QueryValues = Map<string, string[]>;

export function queryValues(search: string): QueryValues {
  const values: QueryValues = new Map();
  for (const [key, value] of new URLSearchParams(search)) values.set(key, [...(values.get(key) ?? []), value]);
  return values;
}

const ISO_8601 = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/** `op:value`, or `value` alone meaning equality (a date with colons in it is a value, not an operator). */
export function splitOperator(expression: string): { op: string; value: string } {
  const colon = expression.indexOf(':');
  if (colon < 0 || ISO_8601.test(expression)) return { op: 'eq', value: expression };
  return { op: expression.slice(0, colon), value: expression.slice(colon + 1) };
}

/** `a,"b,c",d` → ['a', 'b,c', 'd']: commas inside double quotes do not split; `\"` is a literal quote. */
export function splitQuoted(list: string): string[] {
  const items: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < list.length; i++) {
    const c = list[i]!;
    if (c === '\\' && list[i + 1] === '"') {
      current += '"';
      i++;
    } else if (c === '"') {
      quoted = !quoted;
    } else if (c === ',' && !quoted) {
      items.push(current);
      current = '';
    } else {
      current += c;
    }
  }
  if (quoted) throw badRequest(`Invalid filter value ${list}. The quote is not closed.`);
  items.push(current);
  return items;
}

function match(expression: string): Match {
  const { op, value } = splitOperator(expression);
  if (op === 'in') return { op, values: splitQuoted(value) };
  if (op === 'eq') return { op, values: [value] };
  throw badRequest(`Unable to filter by unknown operator '${op}'.`);
}

const TIME_OPS: readonly TimeOp[] = ['eq', 'neq', 'gt', 'gte', 'lt', 'lte'];

function timeFilter(name: string, expression: string): TimeFilter {
  const { op, value } = splitOperator(expression);
  if (!TIME_OPS.includes(op as TimeOp)) throw badRequest('Unable to filter using the specified operator.');
  if (!ISO_8601.test(value) || Number.isNaN(Date.parse(value))) {
    throw badRequest(`Bad "${name}" query filter format. Use ISO 8601 DateTime notation.`);
  }
  return { op: op as TimeOp, at: value };
}

function trueFalse(name: string, value: string): boolean {
  if (value !== 'true' && value !== 'false') throw badRequest(`Invalid value '${value}' for '${name}' filter. Valid values are 'true' or 'false'.`);
  return value === 'true';
}

function rangeBound(value: string): number {
  if (!/^\s*-?\d+\s*$/.test(value)) throw badRequest('Unable to filter on a range with a non-numeric value.');
  return Number(value);
}

function sortKey(key: string): SortKey {
  if (!SORT_KEYS.includes(key as SortKey)) {
    throw badRequest(`Invalid sort key: ${key}. It must be one of the following: ${SORT_KEYS.join(', ')}.`);
  }
  return key as SortKey;
}

function sortDir(dir: string): SortDir {
  if (dir !== 'asc' && dir !== 'desc') throw badRequest(`Invalid sort direction: ${dir}`);
  return dir;
}

function sorting(q: QueryValues): { sort: SortSpec[]; tieDir: SortDir } {
  const keys = q.get('sort_key') ?? [];
  const dirs = q.get('sort_dir') ?? [];
  if (q.has('sort')) {
    if (keys.length > 0 || dirs.length > 0) throw badRequest('Old and new sorting syntax cannot be combined');
    const sort = q
      .get('sort')!
      .at(-1)!
      .trim()
      .split(',')
      .map((part) => {
        const [key, dir] = part.split(':');
        return { key: sortKey(key!.trim()), dir: sortDir(dir?.trim() || 'desc') };
      });
    return { sort, tieDir: sort.length === 1 ? sort[0]!.dir : 'desc' };
  }
  const sortKeys = keys.map((k) => sortKey(k.trim()));
  const sortDirs = dirs.map((d) => sortDir(d.trim()));
  if (sortDirs.length > 1 && sortDirs.length !== sortKeys.length) throw badRequest('Number of sort dirs does not match the number of sort keys');
  const tieDir = sortDirs.length === 1 ? sortDirs[0]! : 'desc';
  if (sortKeys.length === 0) return { sort: [{ key: 'created_at', dir: tieDir }], tieDir };
  return { sort: sortKeys.map((key, i) => ({ key, dir: sortDirs.length > 1 ? sortDirs[i]! : tieDir })), tieDir };
}

function pageSize(value: string | undefined): number {
  if (value === undefined) return DEFAULT_PAGE_SIZE;
  if (!/^\s*-?\d+\s*$/.test(value)) throw badRequest('limit param must be an integer');
  const limit = Number(value);
  if (limit < 0) throw badRequest('limit param must be positive');
  return Math.min(limit, MAX_PAGE_SIZE);
}

/** Parameters that are not filters. */
const CONTROL = new Set(['limit', 'marker', 'sort', 'sort_key', 'sort_dir', 'member_status', 'tag']);
const MATCHED = ['id', 'name', 'status', 'container_format', 'disk_format'] as const;

export function parseListQuery(q: QueryValues): ListRequest {
  const last = (name: string) => q.get(name)?.at(-1);
  const memberStatus = last('member_status') ?? 'accepted';
  if (memberStatus !== 'all' && !MEMBER_STATUSES.includes(memberStatus as MemberStatus)) throw badRequest(`Invalid status: ${memberStatus}`);
  const visibility = last('visibility');
  if (visibility && !['community', 'public', 'private', 'shared', 'all'].includes(visibility)) {
    throw badRequest(`Invalid visibility value: ${visibility}`);
  }
  if (last('changes-since')) throw badRequest('The "changes-since" filter is no longer available on v2.');

  const osHidden = (last('os_hidden') ?? 'false').toLowerCase();
  if (osHidden !== 'true' && osHidden !== 'false') {
    throw badRequest(`Invalid value '${osHidden}' for 'os_hidden' filter. Valid values are 'true' or 'false'.`);
  }
  const filters: ImageFilters = {
    os_hidden: osHidden === 'true',
    member_status: memberStatus as ImageFilters['member_status'],
    tags: (q.get('tag') ?? []).map((t) => t.trim()),
    properties: {},
  };
  if (visibility) filters.visibility = visibility as ImageFilters['visibility'];
  for (const [name, values] of q) {
    const value = values.at(-1)!;
    if (CONTROL.has(name) || name === 'visibility' || name === 'os_hidden' || name === 'changes-since') continue;
    if ((MATCHED as readonly string[]).includes(name)) filters[name as (typeof MATCHED)[number]] = match(value);
    else if (name === 'protected') filters.protected = trueFalse('protected', value);
    else if (name === 'size_min' || name === 'size_max') filters[name] = rangeBound(value);
    else if (name === 'created_at' || name === 'updated_at') filters[name] = timeFilter(name, value);
    else if (name === 'owner' || name === 'checksum' || name === 'os_hash_value') filters[name] = value;
    else putProperty(filters.properties, name, value);
  }
  const marker = last('marker');
  return { filters, ...sorting(q), limit: pageSize(last('limit')), ...(marker !== undefined ? { marker } : {}) };
}

/** Glance's `first` and `next` links: the request's own query, without the marker, or with the next one. */
export function pageLinks(search: string, nextMarker?: string): { first: string; next?: string } {
  const params = new URLSearchParams(search);
  params.delete('marker');
  const query = params.toString();
  const links: { first: string; next?: string } = { first: query ? `/v2/images?${query}` : '/v2/images' };
  if (nextMarker !== undefined) {
    params.append('marker', nextMarker);
    links.next = `/v2/images?${params.toString()}`;
  }
  return links;
}
