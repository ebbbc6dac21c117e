/** Each test file gets its own database on the shared test server, so files never see each other's rows. */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import { migrate } from '../../schema/migrate.ts';

export interface TestDatabase {
  pool: pg.Pool;
  url: string;
  drop(): Promise<void>;
}

export async function freshDatabase(opts: { migrated?: boolean } = {}): Promise<TestDatabase> {
  const serverUrl = new URL(inject('databaseUrl'));
  const name = `t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl.href });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(serverUrl.href);
  url.pathname = `/${name}`;
  const pool = new pg.Pool({ connectionString: url.href, max: 10 });
  // As infra/connections.ts: a dropped idle connection (the database dropped WITH (FORCE) as the pool ends) is no failure.
  pool.on('error', () => undefined);
  if (opts.migrated !== false) await migrate(pool);
  return {
    pool,
    url: url.href,
    drop: async () => {
      await pool.end();
      const again = new pg.Client({ connectionString: serverUrl.href });
      await again.connect();
      await again.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await again.end();
    },
  };
}
