/** The API process's express app: every service under one port, with shared request ids, metrics and faults. */
import { Client, type Connection } from '@temporalio/client';
import express, { type Express } from 'express';
import { computeRouter } from './compute/router.ts';
import { faultHandler, routeNotFound } from './fault-handler.ts';
import { healthz } from './health.ts';
import { createMetrics } from './metrics.ts';
import { identityRouter } from './identity/router.ts';
import { imageRouter } from './image/router.ts';
import { networkRouter } from './network/router.ts';
import { requestId } from './request-id.ts';
import type { ServiceDeps } from './service-deps.ts';
import type { MoveSettings } from './compute/deps.ts';
import { volumeRouter } from './volume/router.ts';

export interface ApiDeps extends ServiceDeps {
  temporal: Connection;
  temporalNamespace: string;
  controlQueue: string;
  /** Check every compute JSON response against its OpenAPI schema (tests turn this on). */
  validateResponses?: boolean;
  serviceDownTimeSeconds: number;
  /** Resize and migration settings (Nova's allow_resize_to_same_host, resize_confirm_window). */
  moves?: MoveSettings;
}

export function createApp(deps: ApiDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  const metrics = createMetrics();

  app.use(requestId(), metrics.track);
  app.get('/healthz', healthz(deps));
  app.get('/metrics', metrics.serve);
  app.use('/identity', identityRouter(deps));
  app.use('/compute', computeRouter({
      ...deps,
      validateResponses: deps.validateResponses ?? false,
      temporal: new Client({ connection: deps.temporal, namespace: deps.temporalNamespace }),
    }),
  );
  app.use('/image', imageRouter(deps));
  app.use('/network', networkRouter(deps));
  app.use('/volume', volumeRouter(deps));
  app.use(routeNotFound);
  app.use(faultHandler(deps.log.child({ component: 'api' })));
  return app;
}
