/**
 * Neutron's list queries, applied to resource views: attribute filters (repeated values mean "any of"; an unknown
 * attribute is a 400, as with Neutron's filter-validation), `fixed_ips=ip_address=...|subnet_id=...`, tag filters
 * (tags, tags-any, not-tags, not-tags-any), `fields`, `sort_key`/`sort_dir`, and `limit`/`marker` paging with a
 * `<collection>_links` next link.
 */
import { badRequest } from '../../activities/services/network/errors.ts';
import { normalizeIp } from '../../activities/services/network/ip.ts';

type View = Record<string, unknown>;
type Query = Record<string, unknown>;

const CONTROL = new Set(['fields', 'limit', 'marker', 'sort_key', 'sort_dir', 'page_reverse', 'tags', 'tags-any', 'not-tags', 'not-tags-any']);

export function values(query: Query, key: string): string[] {
  const raw = query[key];
  if (raw === undefined) return [];
  return (Array.isArray(raw) ? raw : [raw]).map((v) => (typeof v === 'string' ? v : JSON.stringify(v)));
}

function csv(query: Query, key: string): string[] {
  return values(query, key).flatMap((v) => v.split(',')).filter(Boolean);
}

function sameValue(actual: unknown, wanted: string): boolean {
  if (typeof actual === 'boolean') {
    const lower = wanted.toLowerCase();
    return (lower === 'true' || lower === '1') === actual && ['true', 'false', '1', '0'].includes(lower);
  }
  if (actual === null || actual === undefined) return wanted === '' || wanted === 'None';
  if (typeof actual === 'number') return String(actual) === wanted;
  if (typeof actual === 'string') return actual === wanted;
  return false;
}

function matchesFixedIps(actual: unknown, wanted: string[]): boolean {
  const fixedIps = (Array.isArray(actual) ? actual : []) as { subnet_id: string; ip_address: string }[];
  const groups = new Map<string, string[]>();
  for (const entry of wanted) {
    const eq = entry.indexOf('=');
    const key = eq < 0 ? entry : entry.slice(0, eq);
    if (!['ip_address', 'subnet_id', 'ip_address_substr'].includes(key)) throw badRequest(`Invalid fixed_ips filter ${entry}`);
    groups.set(key, [...(groups.get(key) ?? []), eq < 0 ? '' : entry.slice(eq + 1)]);
  }
  return [...groups].every(([key, wants]) =>
    fixedIps.some((ip) =>
      wants.some((w) =>
        key === 'subnet_id' ? ip.subnet_id === w : key === 'ip_address' ? ip.ip_address === (normalizeIp(w) ?? w) : ip.ip_address.includes(w),
      ),
    ),
  );
}

function matches(view: View, key: string, wanted: string[]): boolean {
  const actual = view[key];
  if (key === 'fixed_ips') return matchesFixedIps(actual, wanted);
  if (Array.isArray(actual)) return wanted.some((w) => actual.includes(w));
  return wanted.some((w) => sameValue(actual, w));
}

function matchesTags(view: View, query: Query): boolean {
  const tags = (view.tags ?? []) as string[];
  const all = csv(query, 'tags');
  const any = csv(query, 'tags-any');
  const notAll = csv(query, 'not-tags');
  const notAny = csv(query, 'not-tags-any');
  if (all.length && !all.every((t) => tags.includes(t))) return false;
  if (any.length && !any.some((t) => tags.includes(t))) return false;
  if (notAll.length && notAll.every((t) => tags.includes(t))) return false;
  if (notAny.length && notAny.some((t) => tags.includes(t))) return false;
  return true;
}

/** Keeps the views matching every filter of the query; `filterable` are the attributes one may filter on. */
export function filterViews(views: View[], query: Query, filterable: ReadonlySet<string>): View[] {
  const filters = Object.keys(query).filter((k) => !CONTROL.has(k));
  for (const key of filters) if (!filterable.has(key)) throw badRequest(`[${key}] is invalid attribute for filtering`);
  return views.filter((v) => matchesTags(v, query) && filters.every((key) => matches(v, key, values(query, key))));
}

/** Only the requested `fields`, when any are. */
export function selectFields(view: View, query: Query): View {
  const fields = values(query, 'fields');
  if (fields.length === 0) return view;
  return Object.fromEntries(Object.entries(view).filter(([k]) => fields.includes(k)));
}

function compare(a: unknown, b: unknown): number {
  if (a === b) return 0;
  if (a === null || a === undefined) return -1;
  if (b === null || b === undefined) return 1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a) < String(b) ? -1 : 1;
}

function sortViews(views: View[], query: Query, sortable: ReadonlySet<string>): View[] {
  const keys = values(query, 'sort_key');
  const dirs = values(query, 'sort_dir');
  if (keys.length === 0) return views;
  if (dirs.length > 0 && dirs.length !== keys.length) throw badRequest('The number of sort_keys and sort_dirs must be same');
  for (const key of keys) if (!sortable.has(key)) throw badRequest(`${key} is an invalid attribute for sort_keys`);
  for (const dir of dirs) if (dir !== 'asc' && dir !== 'desc') throw badRequest(`${dir} is an invalid value for sort_dirs, valid values are: asc, desc`);
  return [...views].sort((a, b) => {
    for (const [i, key] of keys.entries()) {
      const order = compare(a[key], b[key]) * (dirs[i] === 'desc' ? -1 : 1);
      if (order !== 0) return order;
    }
    return compare(a.id, b.id);
  });
}

export interface Page {
  items: View[];
  links: { href: string; rel: string }[];
}

/** Filters, sorts and pages the views; `collectionUrl` is the list's own URL (for the next link). */
export function listPage(views: View[], query: Query, opts: { filterable: ReadonlySet<string>; collectionUrl: string }): Page {
  const sorted = sortViews(filterViews(views, query, opts.filterable), query, opts.filterable);
  const limitText = values(query, 'limit')[0];
  let limit = 0;
  if (limitText !== undefined) {
    if (!/^\d+$/.test(limitText)) throw badRequest(`Limit must be an integer 0 or greater and not '${limitText}'`);
    limit = Number(limitText);
  }
  const marker = values(query, 'marker')[0];
  let start = 0;
  if (marker !== undefined) {
    const at = sorted.findIndex((v) => v.id === marker);
    start = at < 0 ? 0 : at + 1;
  }
  const end = limit > 0 ? start + limit : sorted.length;
  const items = sorted.slice(start, end);
  const links: Page['links'] = [];
  if (limit > 0 && end < sorted.length && items.length > 0) {
    const params = new URLSearchParams();
    for (const key of Object.keys(query)) {
      if (key !== 'marker') for (const value of values(query, key)) params.append(key, value);
    }
    params.set('marker', String(items[items.length - 1]!.id));
    links.push({ href: `${opts.collectionUrl}?${params}`, rel: 'next' });
  }
  return { items: items.map((v) => selectFields(v, query)), links };
}
