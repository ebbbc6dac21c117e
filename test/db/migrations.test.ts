import { afterEach, describe, expect, it } from 'vitest';
import { loadMigrations, migrate, type Migration } from '../../schema/migrate.ts';
import { freshDatabase, type TestDatabase } from '../support/database.ts';

let db: TestDatabase | undefined;
afterEach(async () => {
  await db?.drop();
  db = undefined;
});

async function tables(database: TestDatabase): Promise<string[]> {
  const result = await database.pool.query<{ table_name: string }>(
    `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name`,
  );
  return result.rows.map((r) => r.table_name);
}

describe('migrations on real PostgreSQL', () => {
  it('apply every numbered file once, in order, and then have nothing left to do', async () => {
    db = await freshDatabase({ migrated: false });
    const all = await loadMigrations();
    expect(all.map((m) => m.version)).toEqual([...all.map((m) => m.version)].sort((a, b) => a - b));
    expect(await migrate(db.pool)).toEqual(all.map((m) => m.version));
    expect(await tables(db)).toEqual(expect.arrayContaining(['schema_migrations', 'services', 'resource_providers']));
    expect(await migrate(db.pool)).toEqual([]);
  });

  it('are applied exactly once when several processes start at the same moment', async () => {
    db = await freshDatabase({ migrated: false });
    const results = await Promise.all([migrate(db.pool), migrate(db.pool), migrate(db.pool)]);
    const all = await loadMigrations();
    expect(results.flat().sort()).toEqual(all.map((m) => m.version).sort());
    const recorded = await db.pool.query('SELECT version FROM schema_migrations');
    expect(recorded.rowCount).toBe(all.length);
  });

  it('roll a failing migration back whole and keep the ones before it', async () => {
    db = await freshDatabase({ migrated: false });
    const migrations: Migration[] = [
      { version: 1, name: 'good', sql: 'CREATE TABLE a (id int)' },
      { version: 2, name: 'bad', sql: 'CREATE TABLE b (id int); SELECT no_such_function()' },
    ];
    await expect(migrate(db.pool, migrations)).rejects.toThrow(/migration 2_bad failed/);
    expect(await tables(db)).toEqual(['a', 'schema_migrations']);
    const recorded = await db.pool.query('SELECT version FROM schema_migrations');
    expect(recorded.rows).toEqual([{ version: 1 }]);
  });
});
