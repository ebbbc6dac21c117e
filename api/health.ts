/** `/healthz`: 200 when PostgreSQL and Temporal both answer, else 503 naming what failed. */
import type { Connection } from '@temporalio/client';
import type { RequestHandler } from 'express';
import type pg from 'pg';

const TIMEOUT_MS = 3000;

async function check(probe: () => Promise<unknown>): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      probe(),
      new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${TIMEOUT_MS} ms`)), TIMEOUT_MS))),
    ]);
    return 'ok';
  } catch (err) {
    return `failed: ${(err as Error).message}`;
  } finally {
    clearTimeout(timer);
  }
}

export function healthz(deps: { db: pg.Pool; temporal: Connection }): RequestHandler {
  return async (_req, res) => {
    const [postgres, temporal] = await Promise.all([
      check(() => deps.db.query('SELECT 1')),
      check(() => deps.temporal.workflowService.getSystemInfo({})),
    ]);
    const healthy = postgres === 'ok' && temporal === 'ok';
    res.status(healthy ? 200 : 503).json({ status: healthy ? 'ok' : 'unavailable', checks: { postgres, temporal } });
  };
}
