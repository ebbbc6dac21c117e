/**
 * Starts the real services the tests need, once per run: an embedded PostgreSQL and a Temporal dev server in a
 * temporary directory, on free ports (so a running `npm start` is not disturbed). DATABASE_URL and
 * TEMPORAL_ADDRESS select existing servers instead.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres } from '../../infra/embedded-postgres.ts';
import { createLogger } from '../../infra/logger.ts';
import { findTemporalBinary } from '../../infra/temporal-binary.ts';
import { startTemporalDevServer } from '../../infra/temporal-dev-server.ts';
import { ensureSearchAttributes } from '../../infra/temporal-namespace.ts';
import { Connection } from '@temporalio/client';
import { freePort } from './ports.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string;
    temporalAddress: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'novaflow-test-'));
  const log = createLogger('warn', path.join(dir, 'logs', 'test-infra.log'));
  const stops: (() => Promise<void>)[] = [];

  let databaseUrl = process.env.DATABASE_URL;
  if (!databaseUrl) {
    const pg = await startEmbeddedPostgres({ dataDir: dir, port: await freePort(), log });
    stops.push(pg.stop);
    databaseUrl = pg.url;
  }
  let temporalAddress = process.env.TEMPORAL_ADDRESS;
  if (!temporalAddress) {
    const dev = await startTemporalDevServer({
      binary: await findTemporalBinary(),
      dataDir: dir,
      port: await freePort(),
      uiPort: await freePort(),
      namespace: 'default',
      log,
    });
    stops.push(dev.stop);
    temporalAddress = dev.address;
  }
  const connection = await Connection.connect({ address: temporalAddress });
  await ensureSearchAttributes(connection, 'default');
  await connection.close();

  project.provide('databaseUrl', databaseUrl);
  project.provide('temporalAddress', temporalAddress);
  return async () => {
    for (const stop of stops.reverse()) await stop();
    await fs.rm(dir, { recursive: true, force: true });
  };
}
