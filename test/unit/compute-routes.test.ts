/** Every compute route is an OpenAPI operation with request and response schemas: walk the router and check. */
import type { Router } from 'express';
import type { Client } from '@temporalio/client';
import type pg from 'pg';
import { describe, expect, it } from 'vitest';
import { computeRouter } from '../../api/compute/router.ts';
import { OPERATION } from '../../api/openapi/route.ts';
import { computeSpec, type Operation } from '../../api/openapi/spec.ts';
import { createLogger } from '../../infra/logger.ts';

interface Layer {
  route?: { stack: { handle: unknown; method?: string }[]; path: string };
  handle: unknown;
}

function boundRoutes(router: Router): { path: string; operation?: Operation }[] {
  const found: { path: string; operation?: Operation }[] = [];
  const walk = (stack: Layer[]) => {
    for (const layer of stack) {
      if (layer.route) {
        const tagged = layer.route.stack.map((l) => (l.handle as { [OPERATION]?: Operation })[OPERATION]).find(Boolean);
        found.push({ path: layer.route.path, operation: tagged });
      } else if (typeof layer.handle === 'function' && Array.isArray((layer.handle as { stack?: unknown }).stack)) {
        walk((layer.handle as unknown as { stack: Layer[] }).stack);
      }
    }
  };
  walk((router as unknown as { stack: Layer[] }).stack);
  return found;
}

const router = computeRouter({
  db: {} as pg.Pool,
  log: createLogger('silent'),
  publicUrl: 'http://nova.test:8774',
  dataDir: '/nonexistent',
  maxBodyBytes: 1024,
  validateResponses: false,
  serviceDownTimeSeconds: 60,
  temporal: {} as Client,
  controlQueue: 'novaflow-control',
});

describe('the compute router', () => {
  const routes = boundRoutes(router);

  it('has routes', () => {
    expect(routes.length).toBeGreaterThan(5);
  });

  it.each(routes.map((r) => [r.path, r] as const))('binds %s to an OpenAPI operation with schemas', (_path, route) => {
    expect(route.operation, `${route.path} is not bound to an OpenAPI operation`).toBeDefined();
    const op = route.operation!;
    const statuses = Object.entries(op.responses).filter(([status]) => Number(status) < 400);
    expect(statuses.length, `${op.operationId} describes no success response`).toBeGreaterThan(0);
    for (const [status, schema] of statuses) {
      // 202, 204 and a 201 that only names the new thing in Location (a server tag) carry no body.
      if (!['201', '202', '204'].includes(status)) expect(schema, `${op.operationId} ${status} has no schema`).toBeDefined();
    }
    if (op.method === 'post' || op.method === 'put') expect(op.requestSchema, `${op.operationId} has no request schema`).toBeDefined();
  });

  it('serves every operation the description lists', () => {
    const bound = new Set(routes.map((r) => r.operation?.operationId));
    const described = [...computeSpec().operations.keys()];
    expect(described.filter((id) => !bound.has(id))).toEqual([]);
  });
});
