/**
 * JSON request bodies as Nova takes them: a body must be JSON, at most `maxBytes` long (oslo's
 * max_request_body_size, 112 KiB by default) and well formed; each failure is a Nova fault, never a 500.
 */
import express, { type ErrorRequestHandler, type RequestHandler } from 'express';
import { ApiError } from './faults.ts';

const JSON_TYPES = ['application/json', 'application/*+json'];

function hasBody(headers: Record<string, unknown>): boolean {
  return headers['transfer-encoding'] !== undefined || Number(headers['content-length'] ?? 0) > 0;
}

export function jsonBody(maxBytes: number): RequestHandler[] {
  const requireJson: RequestHandler = (req, _res, next) => {
    if (!hasBody(req.headers)) return next();
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > maxBytes) return next(new ApiError(413, 'Request is too large.'));
    if (!req.is(JSON_TYPES)) {
      return next(new ApiError(415, `Unsupported Content-Type`));
    }
    next();
  };
  return [requireJson, express.json({ limit: maxBytes, type: JSON_TYPES, strict: false })];
}

/** Turns the body parser's own errors into Nova faults; anything else passes on. */
export const bodyErrors: ErrorRequestHandler = (err, _req, _res, next) => {
  const type = (err as { type?: string }).type;
  switch (type) {
    case 'entity.parse.failed':
      return next(new ApiError(400, 'Malformed request body'));
    case 'entity.too.large':
      return next(new ApiError(413, 'Request is too large.'));
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return next(new ApiError(415, 'Unsupported Content-Type'));
    case 'request.aborted':
    case 'request.size.invalid':
    case 'stream.encoding.set':
      return next(new ApiError(400, 'Malformed request body'));
    default:
      return next(err);
  }
};
