/** Runs the real API app on a free port against the test PostgreSQL and Temporal. */
import { Connection } from '@temporalio/client';
import { inject } from 'vitest';
import { createApp } from '../../api/app.ts';
import type { MoveSettings } from '../../api/compute/deps.ts';
import { listen } from '../../api/server.ts';
import { createLogger } from '../../infra/logger.ts';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { prepareDatabase } from '../../infra/prepare-database.ts';
import { freshDatabase, type TestDatabase } from './database.ts';
import { freePort } from './ports.ts';
import { testControlQueue } from './temporal.ts';

export interface TestApi {
  url: string;
  db: TestDatabase;
  /** The API's data directory (image and volume files), removed by stop(). */
  dataDir: string;
  stop(): Promise<void>;
}

/** Passwords of the bootstrap users `admin` and `demo` in test databases. */
export const TEST_SECRETS = { adminPassword: 'admin-secret', demoPassword: 'demo-secret', computePassword: 'compute-secret' };

/**
 * `reachable: true` makes the public URL (links, catalog) the API's real address, for real clients that follow
 * the catalog; otherwise it is the fixed `http://nova.test:8774` that assertions can name.
 */
export async function startTestApi(opts: { maxBodyBytes?: number; reachable?: boolean; moves?: MoveSettings } = {}): Promise<TestApi> {
  const port = opts.reachable ? await freePort() : 0;
  const db = await freshDatabase({ migrated: false });
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'novaflow-api-'));
  await prepareDatabase(db.pool, { secrets: TEST_SECRETS, dataDir });
  const temporal = await Connection.connect({ address: inject('temporalAddress') });
  const app = createApp({
    db: db.pool,
    temporal,
    log: createLogger('silent'),
    publicUrl: opts.reachable ? `http://127.0.0.1:${port}` : 'http://nova.test:8774',
    dataDir,
    maxBodyBytes: opts.maxBodyBytes ?? 114688,
    validateResponses: true,
    serviceDownTimeSeconds: 60,
    temporalNamespace: 'default',
    controlQueue: testControlQueue,
    moves: opts.moves,
  });
  const api = await listen(app, '127.0.0.1', port);
  return {
    url: api.url,
    db,
    dataDir,
    stop: async () => {
      await api.stop();
      await temporal.close();
      await db.drop();
      await fs.rm(dataDir, { recursive: true, force: true });
    },
  };
}
