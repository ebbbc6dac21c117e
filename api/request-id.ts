/** Every response carries a fresh request id; compute responses also under Nova's own header name. */
import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';

declare module 'express-serve-static-core' {
  interface Locals {
    requestId: string;
  }
}

export function requestId(): RequestHandler {
  return (req, res, next) => {
    const id = `req-${randomUUID()}`;
    res.locals.requestId = id;
    res.setHeader('x-openstack-request-id', id);
    if (req.path.startsWith('/compute')) res.setHeader('x-compute-request-id', id);
    next();
  };
}
