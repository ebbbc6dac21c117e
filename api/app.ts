/** The API process's express app: every service under one port, with shared request ids, metrics and faults. */
import type { Connection } from '@temporalio/client';
import express, { type Express } from 'express';
import type pg from 'pg';
import type { Logger } from '../infra/logger.ts';
import { computeRouter } from './compute/router.ts';
import { faultHandler, routeNotFound } from './fault-handler.ts';
import { healthz } from './health.ts';
import { createMetrics } from './metrics.ts';
import { requestId } from './request-id.ts';

export interface ApiDeps {
  db: pg.Pool;
  temporal: Connection;
  log: Logger;
  publicUrl: string;
  maxBodyBytes: number;
}

export function createApp(deps: ApiDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  const metrics = createMetrics();

  app.use(requestId(), metrics.track);
  app.get('/healthz', healthz(deps));
  app.get('/metrics', metrics.serve);
  app.use('/compute', computeRouter({ publicUrl: deps.publicUrl, maxBodyBytes: deps.maxBodyBytes }));
  app.use(routeNotFound);
  app.use(faultHandler(deps.log.child({ component: 'api' })));
  return app;
}
