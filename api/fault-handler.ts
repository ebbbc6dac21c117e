/**
 * The last error handler of a service: every error becomes that service's fault body (Nova's by default);
 * unexpected ones are logged with the request id and answered 500 without internals.
 */
import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from '../infra/logger.ts';
import { ApiError, novaFormat, UNEXPECTED_ERROR_MESSAGE, type FaultFormat } from './faults.ts';

export function faultHandler(log: Logger, format: FaultFormat = novaFormat): ErrorRequestHandler {
  return (err, req, res, next) => {
    if (res.headersSent) return next(err);
    if (err instanceof ApiError) {
      res.set(err.headers);
      if (err.retryAfter !== undefined) res.set('Retry-After', String(err.retryAfter));
      res.status(err.status).json(format(err.status, err.message, err));
      return;
    }
    log.error({ err, requestId: res.locals.requestId, method: req.method, url: req.originalUrl }, 'unexpected API error');
    res.status(500).json(format(500, UNEXPECTED_ERROR_MESSAGE));
  };
}

/** Any path no route claimed. */
export const routeNotFound: RequestHandler = (_req, _res, next) => {
  next(new ApiError(404, 'The resource could not be found.'));
};
