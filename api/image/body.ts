/**
 * Request bodies of the image API, read per route (never for the data upload, which is streamed as it comes):
 * JSON for create and members, JSON-patch (`application/openstack-images-v2.1-json-patch`, or the older 2.0
 * dialect) for PATCH. Too long a body is a 413, malformed JSON a 400 with Glance's wording.
 */
import type { Request } from 'express';
import { ApiError } from '../faults.ts';
import { badRequest } from '../../activities/services/image/errors.ts';

export const PATCH_TYPES: Readonly<Record<string, 4 | 10>> = {
  'application/openstack-images-v2.0-json-patch': 4,
  'application/openstack-images-v2.1-json-patch': 10,
};

const tooLarge = () => new ApiError(413, 'Request is too large.');

/** The media type of the request, lower case, without parameters ('' when there is none). */
export const mediaType = (req: Request): string => (req.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();

async function readText(req: Request, maxBytes: number): Promise<string> {
  const declared = Number(req.get('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge();
  const chunks: Buffer[] = [];
  let length = 0;
  try {
    for await (const chunk of req as AsyncIterable<Buffer>) {
      length += chunk.length;
      if (length > maxBytes) throw tooLarge();
      chunks.push(chunk);
    }
  } catch (err) {
    // A client that went away mid-body: nothing of ours failed.
    throw err instanceof ApiError ? err : badRequest('Malformed request body');
  }
  return Buffer.concat(chunks).toString('utf8');
}

function parse(text: string): unknown {
  try {
    const value: unknown = JSON.parse(text);
    if (value !== null && typeof value === 'object') return value;
  } catch {
    // answered below
  }
  throw badRequest('Malformed JSON in request body.');
}

/** A JSON request body (an object or an array); `undefined` when the request has none. */
export async function readJson(req: Request, maxBytes: number): Promise<unknown> {
  const type = mediaType(req);
  if (type !== '' && type !== 'application/json' && !type.endsWith('+json')) {
    throw new ApiError(415, `Unsupported Content-Type`);
  }
  const text = await readText(req, maxBytes);
  return text.trim() === '' ? undefined : parse(text);
}

/** The body of an image PATCH with its JSON-patch dialect (Glance's JSON-schema draft 4 or 10 flavour). */
export async function readPatch(req: Request, maxBytes: number): Promise<{ draft: 4 | 10; body: unknown }> {
  const type = mediaType(req);
  const draft = Object.hasOwn(PATCH_TYPES, type) ? PATCH_TYPES[type] : undefined;
  if (draft === undefined) {
    const allowed = Object.keys(PATCH_TYPES).sort().join(', ');
    throw new ApiError(415, `Image PATCH expects Content-Type one of: ${allowed}`, { 'Accept-Patch': allowed });
  }
  const text = await readText(req, maxBytes);
  if (text.trim() === '') throw badRequest('Body expected in request.');
  return { draft, body: parse(text) };
}
