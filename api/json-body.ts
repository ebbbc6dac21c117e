/**
 * JSON request bodies as Nova takes them: a body is parsed as JSON when its type is JSON, `text/plain` or not
 * given; any other declared type is 415; over `maxBytes` (oslo's max_request_body_size, 112 KiB by default) is
 * 413; malformed JSON is 400. Each failure is a fault, never a 500.
 */
import express, { type ErrorRequestHandler, type Request, type RequestHandler } from 'express';
import { ApiError } from './faults.ts';

function declaredType(req: Request): string | undefined {
  const raw = req.headers['content-type'];
  return raw ? raw.split(';')[0]!.trim().toLowerCase() : undefined;
}

function takenAsJson(type: string | undefined): boolean {
  return type === undefined || type === 'text/plain' || type === 'application/json' || type.endsWith('+json');
}

export function jsonBody(maxBytes: number): RequestHandler[] {
  const checkType: RequestHandler = (req, _res, next) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > maxBytes) return next(new ApiError(413, 'Request is too large.'));
    if (!takenAsJson(declaredType(req))) return next(new ApiError(415, 'Unsupported Content-Type'));
    next();
  };
  const parse = express.json({ limit: maxBytes, strict: false, type: (req) => takenAsJson(declaredType(req as Request)) });
  return [checkType, parse];
}

/** Turns the body parser's own errors into faults; anything else passes on. */
export const bodyErrors: ErrorRequestHandler = (err, _req, _res, next) => {
  const type = (err as { type?: string }).type;
  switch (type) {
    case 'entity.parse.failed':
    case 'request.aborted':
    case 'request.size.invalid':
    case 'stream.encoding.set':
      return next(new ApiError(400, 'Malformed request body'));
    case 'entity.too.large':
      return next(new ApiError(413, 'Request is too large.'));
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return next(new ApiError(415, 'Unsupported Content-Type'));
    default:
      return next(err);
  }
};
