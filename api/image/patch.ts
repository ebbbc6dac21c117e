/**
 * Image PATCH as Glance reads it: a JSON array of operations (add, remove, replace) on top-level attributes,
 * named by JSON pointers (`/name`, `/hw_disk_bus`, `~1` and `~0` escapes). The 2.1 media type uses RFC 6902's
 * `{"op", "path", "value"}`; the 2.0 one `{"replace": "/name", "value": ...}`. Parsing is separate from applying,
 * which needs the image and asks the caller to authorize each change.
 */
import { badRequest, conflict, forbidden, readOnly, reserved } from '../../activities/services/image/errors.ts';
import type { ImageFields, ImageStatus } from '../../activities/services/image/records.ts';
import { checkCounts, checkValue, isReserved, putProperty, READ_ONLY, SETTABLE_FIELDS } from './validation.ts';

const OPS = ['add', 'remove', 'replace'] as const;
export type PatchOp = (typeof OPS)[number];

export interface Change {
  op: PatchOp;
  /** Decoded pointer segments: ['name'], ['locations', '0']. */
  path: string[];
  value?: unknown;
}

/** Segments each operation allows per attribute (locations take an index on add and remove). */
const depth = (root: string, op: PatchOp) => (root === 'locations' && op !== 'replace' ? 2 : 1);

function checkPointer(pointer: string): void {
  if (!pointer.startsWith('/')) throw badRequest(`Pointer \`${pointer}\` does not start with "/".`);
  if (/\/\s*?\//.test(pointer.slice(1))) throw badRequest(`Pointer \`${pointer}\` contains adjacent "/".`);
  if (pointer.length > 1 && pointer.endsWith('/')) throw badRequest(`Pointer \`${pointer}\` end with "/".`);
  if (pointer.slice(1).trim() === '/') throw badRequest(`Pointer \`${pointer}\` does not contains valid token.`);
  if (/~[^01]/.test(pointer) || pointer.endsWith('~')) {
    throw badRequest(`Pointer \`${pointer}\` contains "~" not part of a recognized escape sequence.`);
  }
}

export function decodePointer(pointer: string): string[] {
  checkPointer(pointer);
  return pointer
    .replace(/^\/+/, '')
    .split('/')
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~').trim());
}

function opOf(raw: Record<string, unknown>, draft: 4 | 10): { op: PatchOp; pointer: unknown } {
  const available = OPS.join(', ');
  if (draft === 4) {
    const present = OPS.filter((op) => op in raw);
    if (present.length > 1) throw badRequest('Operation objects must contain only one member named "add", "remove", or "replace".');
    if (present.length === 0) throw badRequest('Operation objects must contain exactly one member named "add", "remove", or "replace".');
    return { op: present[0]!, pointer: raw[present[0]!] };
  }
  const op = raw.op;
  if (op === undefined) throw badRequest(`Unable to find \`op\` in JSON Schema change. It must be one of the following: ${available}.`);
  if (!OPS.includes(op as PatchOp)) throw badRequest(`Invalid operation: \`${String(op)}\`. It must be one of the following: ${available}.`);
  if (!('path' in raw)) throw badRequest("Unable to find 'path' in JSON Schema change");
  return { op: op as PatchOp, pointer: raw.path };
}

/** The operations of a PATCH body, checked (pointers, read-only and reserved attributes, value types). */
export function parsePatch(body: unknown, draft: 4 | 10): Change[] {
  if (!Array.isArray(body)) throw badRequest('Request body must be a JSON array of operation objects.');
  return body.map((raw: unknown) => {
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw badRequest('Operations must be JSON objects.');
    const { op, pointer } = opOf(raw as Record<string, unknown>, draft);
    if (typeof pointer !== 'string') throw badRequest(`Pointer \`${String(pointer)}\` does not start with "/".`);
    const path = decodePointer(pointer);
    const root = path[0]!;
    if (path.length !== depth(root, op)) throw badRequest(`Invalid JSON pointer for this resource: '/${path.join('/')}'`);
    const change: Change = { op, path };
    if (op !== 'remove') {
      if (!('value' in raw)) throw badRequest(`Operation "${op}" requires a member named "value".`);
      change.value = (raw as Record<string, unknown>).value;
    }
    if (READ_ONLY.includes(root)) throw readOnly(root);
    if (root !== 'locations' && isReserved(root)) throw reserved(root);
    if (op !== 'remove' && root !== 'locations') checkValue(root, change.value);
    return change;
  });
}

export interface PatchContext {
  isAdmin: boolean;
  status: ImageStatus;
  draft: 4 | 10;
  /** Throws unless the caller may make this change (`image:modify_image`, visibility rules). */
  authorize(attribute: string, value?: unknown): void;
}

const FORMAT_FIELDS = ['disk_format', 'container_format'];

function setBase(fields: ImageFields, key: string, value: unknown, ctx: PatchContext): void {
  if (FORMAT_FIELDS.includes(key) && ctx.status !== 'queued' && fields[key as 'disk_format'] !== value) {
    throw forbidden(`Attribute ${key} can be only replaced for a queued image.`);
  }
  if (key === 'tags') fields.tags = [...new Set(value as string[])];
  else (fields as unknown as Record<string, unknown>)[key] = value;
}

/** Applies the changes to a copy of the image's fields, in order; the image is unchanged when one fails. */
export function applyPatch(current: ImageFields, changes: readonly Change[], ctx: PatchContext): ImageFields {
  const fields: ImageFields = { ...current, properties: { ...current.properties }, tags: [...current.tags] };
  for (const { op, path, value } of changes) {
    const key = path[0]!;
    if (key === 'locations') {
      const verb = { add: 'add', remove: 'remove', replace: 'update' }[op];
      throw forbidden(`It's not allowed to ${verb} locations if locations are invisible.`);
    }
    const base = SETTABLE_FIELDS.includes(key);
    if (op === 'replace' && key === 'owner' && !ctx.isAdmin) throw forbidden("Owner can't be updated by non admin.");
    ctx.authorize(key, value);
    if (op === 'remove') {
      if (base) throw forbidden(`Property ${key} may not be removed.`);
      if (!Object.hasOwn(fields.properties, key)) throw conflict(`Property ${key} does not exist.`);
      delete fields.properties[key];
    } else if (base) {
      if (op === 'add' && ctx.draft === 4) throw conflict(`Property ${key} already present.`);
      setBase(fields, key, value, ctx);
    } else {
      const exists = Object.hasOwn(fields.properties, key);
      if (op === 'replace' && !exists) throw conflict(`Property ${key} does not exist.`);
      if (op === 'add' && exists && ctx.draft === 4) throw conflict(`Property ${key} already present.`);
      putProperty(fields.properties, key, value as string);
    }
  }
  checkCounts(fields.properties, fields.tags);
  return fields;
}
