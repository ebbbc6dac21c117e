/** Opening the shared connections of a Novaflow process: PostgreSQL, Temporal (client and worker side). */
import fs from 'node:fs/promises';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import pg from 'pg';
import type { Config } from './config.ts';
import { temporalAddress } from './config.ts';

/**
 * DATABASE_URL, or else the embedded server that `novaflow stack` runs from the same data directory (so a
 * standalone `novaflow api` or `controller` can join a running stack).
 */
export async function databaseUrl(config: Config): Promise<string> {
  if (config.databaseUrl) return config.databaseUrl;
  const password = await fs.readFile(path.join(config.dataDir, 'postgres.password'), 'utf8').catch(() => undefined);
  if (password === undefined) {
    throw new Error('DATABASE_URL is not set and no embedded PostgreSQL was found in the data directory (start one with `novaflow stack`)');
  }
  return `postgres://novaflow:${encodeURIComponent(password.trim())}@127.0.0.1:${config.embeddedPgPort}/novaflow`;
}

export function openPool(url: string, max = 20): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max, idleTimeoutMillis: 30_000 });
  pool.on('error', () => undefined); // an idle client's connection dropped; the next query reconnects
  return pool;
}

export interface TemporalConnections {
  connection: Connection;
  client: Client;
  native: NativeConnection;
  close(): Promise<void>;
}

export async function connectTemporal(config: Config, address = temporalAddress(config)): Promise<TemporalConnections> {
  const connection = await Connection.connect({ address });
  const native = await NativeConnection.connect({ address });
  const client = new Client({ connection, namespace: config.temporalNamespace });
  return {
    connection,
    client,
    native,
    close: async () => {
      await native.close();
      await connection.close();
    },
  };
}
