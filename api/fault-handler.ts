/** The last error handler: every error becomes a Nova fault body; unexpected ones are logged and answered 500. */
import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from '../infra/logger.ts';
import { ApiError, faultBody, UNEXPECTED_ERROR_MESSAGE } from './faults.ts';

export function faultHandler(log: Logger): ErrorRequestHandler {
  return (err, req, res, next) => {
    if (res.headersSent) return next(err);
    if (err instanceof ApiError) {
      res.set(err.headers);
      if (err.retryAfter !== undefined) res.set('Retry-After', String(err.retryAfter));
      res.status(err.status).json(err.body);
      return;
    }
    log.error({ err, requestId: res.locals.requestId, method: req.method, url: req.originalUrl }, 'unexpected API error');
    res.status(500).json(faultBody(500, UNEXPECTED_ERROR_MESSAGE));
  };
}

/** Any path no route claimed. */
export const routeNotFound: RequestHandler = (_req, _res, next) => {
  next(new ApiError(404, 'The resource could not be found.'));
};
