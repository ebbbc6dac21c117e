/** Prometheus metrics (prom-client): process defaults plus request counts and latencies per route. */
import type { Request, RequestHandler } from 'express';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

export interface ApiMetrics {
  registry: Registry;
  track: RequestHandler;
  serve: RequestHandler;
}

function routeLabel(req: Request): string {
  const pattern = (req.route as { path?: string } | undefined)?.path;
  if (pattern !== undefined) return `${req.baseUrl}${String(pattern)}`;
  return req.baseUrl || 'unmatched';
}

export function createMetrics(): ApiMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'novaflow_' });
  const requests = new Counter({
    name: 'novaflow_api_requests_total',
    help: 'API requests answered, by method, route and status code',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'novaflow_api_request_duration_seconds',
    help: 'API request latency, by method and route',
    labelNames: ['method', 'route'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  return {
    registry,
    track: (req, res, next) => {
      const end = duration.startTimer();
      res.once('finish', () => {
        const route = routeLabel(req);
        requests.inc({ method: req.method, route, status: String(res.statusCode) });
        end({ method: req.method, route });
      });
      next();
    },
    serve: async (_req, res) => {
      res.setHeader('Content-Type', registry.contentType);
      res.end(await registry.metrics());
    },
  };
}
