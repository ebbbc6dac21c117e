/** Runs the real API app on a free port against the test PostgreSQL and Temporal. */
import { Connection } from '@temporalio/client';
import { inject } from 'vitest';
import { createApp } from '../../api/app.ts';
import { listen } from '../../api/server.ts';
import { createLogger } from '../../infra/logger.ts';
import { freshDatabase, type TestDatabase } from './database.ts';

export interface TestApi {
  url: string;
  db: TestDatabase;
  stop(): Promise<void>;
}

export async function startTestApi(opts: { maxBodyBytes?: number } = {}): Promise<TestApi> {
  const db = await freshDatabase();
  const temporal = await Connection.connect({ address: inject('temporalAddress') });
  const app = createApp({
    db: db.pool,
    temporal,
    log: createLogger('silent'),
    publicUrl: 'http://nova.test:8774',
    maxBodyBytes: opts.maxBodyBytes ?? 114688,
  });
  const api = await listen(app, '127.0.0.1', 0);
  return {
    url: api.url,
    db,
    stop: async () => {
      await api.stop();
      await temporal.close();
      await db.drop();
    },
  };
}
