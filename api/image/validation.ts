/**
 * Image bodies checked as Glance checks them against its image schema: each base field of its type and value set,
 * custom properties strings, and the attributes a client may not send (read-only: 403; reserved: 403). Reasons
 * read like Glance's (jsonschema's): "Provided object does not match schema 'image': 'x' is not one of [...]".
 */
import { z } from 'zod';
import {
  negativeValue,
  readOnly,
  reserved,
  schemaMismatch,
  tooManyProperties,
  tooManyTags,
  badRequest,
} from '../../activities/services/image/errors.ts';
import {
  CONTAINER_FORMATS,
  DISK_FORMATS,
  MAX_PROPERTIES,
  MAX_TAGS,
  VISIBILITIES,
  type Visibility,
} from '../../activities/services/image/records.ts';

/** Glance's id pattern, quoted in its schema errors. */
export const ID_PATTERN = '^([0-9a-fA-F]){8}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){12}$';

/** Python's repr of a JSON value, as jsonschema quotes it. */
export function pyRepr(value: unknown): string {
  if (value === null || value === undefined) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (typeof value === 'string') return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  if (Array.isArray(value)) return `[${value.map(pyRepr).join(', ')}]`;
  if (typeof value === 'object') {
    return `{${Object.entries(value as Record<string, unknown>).map(([k, v]) => `${pyRepr(k)}: ${pyRepr(v)}`).join(', ')}}`;
  }
  return String(value);
}

interface FieldRule {
  schema: z.ZodType;
  /** jsonschema's name of the allowed type(s), for "is not of type ..." */
  types: string;
  values?: readonly (string | null)[];
}

const nullableEnum = (values: readonly string[]) => z.enum(values as [string, ...string[]]).nullable();

/** The largest min_ram / min_disk the database holds. */
const MAX_INT = 2 ** 31 - 1;

/** The base fields a client may send, with their schema. */
const FIELDS: Readonly<Record<string, FieldRule>> = {
  id: { schema: z.string().regex(new RegExp(ID_PATTERN)), types: "'string'" },
  name: { schema: z.string().max(255).nullable(), types: "'null', 'string'" },
  visibility: { schema: z.enum(VISIBILITIES), types: "'string'", values: VISIBILITIES },
  protected: { schema: z.boolean(), types: "'boolean'" },
  os_hidden: { schema: z.boolean(), types: "'boolean'" },
  owner: { schema: z.string().max(255).nullable(), types: "'null', 'string'" },
  container_format: { schema: nullableEnum(CONTAINER_FORMATS), types: "'null', 'string'", values: [null, ...CONTAINER_FORMATS] },
  disk_format: { schema: nullableEnum(DISK_FORMATS), types: "'null', 'string'", values: [null, ...DISK_FORMATS] },
  min_ram: { schema: z.number().int().max(MAX_INT), types: "'integer'" },
  min_disk: { schema: z.number().int().max(MAX_INT), types: "'integer'" },
  tags: { schema: z.array(z.string().max(255)), types: "'array'" },
};

export const SETTABLE_FIELDS = Object.keys(FIELDS).filter((k) => k !== 'id');

/** Never accepted from a client: computed by the service. */
export const READ_ONLY = ['created_at', 'updated_at', 'status', 'checksum', 'size', 'virtual_size', 'direct_url', 'self', 'file', 'schema', 'id', 'os_hash_algo', 'os_hash_value', 'stores'];
const CREATE_READ_ONLY = READ_ONLY.filter((k) => k !== 'id');
/** Names Glance keeps for itself. */
const RESERVED = ['location', 'locations', 'deleted', 'deleted_at'];
const RESERVED_PREFIX = 'os_glance';

export const isReserved = (key: string) => RESERVED.includes(key) || key.startsWith(RESERVED_PREFIX);

function reason(rule: FieldRule, value: unknown, issue: Pick<z.core.$ZodIssue, 'code' | 'path'> & { origin?: string }): string {
  let inner: unknown = value;
  for (const key of issue.path) inner = (inner as Record<PropertyKey, unknown> | undefined)?.[key];
  switch (issue.code) {
    case 'invalid_value':
      return `${pyRepr(inner)} is not one of [${rule.values!.map(pyRepr).join(', ')}]`;
    case 'too_big':
      return issue.origin === 'number' ? `${pyRepr(inner)} is greater than the maximum of ${MAX_INT}` : `${pyRepr(inner)} is too long`;
    case 'invalid_format':
      return `${pyRepr(inner)} does not match '${ID_PATTERN}'`;
    default:
      return `${pyRepr(inner)} is not of type ${issue.path.length > 0 ? "'string'" : rule.types}`;
  }
}

/** Checks one attribute's value against the image schema (a base field's type, or a string for a custom one). */
export function checkValue(key: string, value: unknown): void {
  const rule = Object.hasOwn(FIELDS, key) ? FIELDS[key] : undefined;
  if (!rule) {
    if (typeof value !== 'string') throw schemaMismatch('image', `${pyRepr(value)} is not of type 'string'`);
    return;
  }
  // An enum value of the wrong type is reported as outside the set, as jsonschema does for enums.
  if (rule.values && typeof value !== 'string' && value !== null) throw schemaMismatch('image', reason(rule, value, { code: 'invalid_value', path: [] }));
  const parsed = rule.schema.safeParse(value);
  if (!parsed.success) throw schemaMismatch('image', reason(rule, value, parsed.error.issues[0]!));
  if ((key === 'min_ram' || key === 'min_disk') && (value as number) < 0) throw negativeValue(key, value as number);
}

/** Sets a custom property as an own data property (whatever its name, `__proto__` included). */
export function putProperty(properties: Record<string, string>, key: string, value: string): void {
  Object.defineProperty(properties, key, { value, enumerable: true, writable: true, configurable: true });
}

export function checkCounts(properties: Record<string, string>, tags: readonly string[]): void {
  if (tags.length > MAX_TAGS) throw tooManyTags(tags.length, MAX_TAGS);
  const count = Object.keys(properties).length;
  if (count > MAX_PROPERTIES) throw tooManyProperties(count, MAX_PROPERTIES);
}

export interface CreateRequest {
  id?: string;
  name?: string | null;
  visibility?: Visibility;
  protected?: boolean;
  os_hidden?: boolean;
  owner?: string | null;
  container_format?: string | null;
  disk_format?: string | null;
  min_ram?: number;
  min_disk?: number;
  tags: string[];
  properties: Record<string, string>;
}

/** The body of `POST /v2/images`: base fields and custom properties, flat. */
export function parseCreateBody(body: unknown): CreateRequest {
  if (body === undefined) throw badRequest('Body expected in request.');
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw schemaMismatch('image', `${pyRepr(body)} is not of type 'object'`);
  const entries = Object.entries(body as Record<string, unknown>);
  for (const key of ['direct_url', 'self', 'file', 'schema', 'stores']) if (key in body) throw readOnly(key);
  for (const [key, value] of entries) {
    if (!CREATE_READ_ONLY.includes(key) && !isReserved(key)) checkValue(key, value);
  }
  const request: CreateRequest = { tags: [], properties: {} };
  for (const [key, value] of entries) {
    if (key === 'tags') request.tags = [...new Set(value as string[])];
    else if (Object.hasOwn(FIELDS, key)) (request as unknown as Record<string, unknown>)[key] = value;
    else if (CREATE_READ_ONLY.includes(key)) throw readOnly(key);
    else {
      if (key.length > 255) throw badRequest('Custom property should not be greater than 255 characters.');
      if (isReserved(key)) throw reserved(key);
      putProperty(request.properties, key, value as string);
    }
  }
  checkCounts(request.properties, request.tags);
  return request;
}
