/** The first-start image: registered once however many processes start together, and its file restored if lost. */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { bootstrapIdentity } from '../../activities/services/identity/bootstrap.ts';
import { bootstrapImageData, bootstrapImages } from '../../activities/services/image/bootstrap.ts';
import { digestOf } from '../../activities/services/image/checksum-stream.ts';
import { freshDatabase, type TestDatabase } from '../support/database.ts';

let db: TestDatabase | undefined;
let dataDir: string | undefined;
afterEach(async () => {
  await db?.drop();
  if (dataDir) await fs.rm(dataDir, { recursive: true, force: true });
  db = undefined;
  dataDir = undefined;
});

async function fresh(): Promise<{ db: TestDatabase; dataDir: string }> {
  db = await freshDatabase();
  dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'novaflow-image-boot-'));
  await bootstrapIdentity(db.pool, { adminPassword: 'a', demoPassword: 'd' });
  return { db, dataDir };
}

const cirrosRows = (database: TestDatabase) =>
  database.pool.query<{ id: string; status: string; owner: string; size: string; checksum: string; visibility: string; disk_format: string }>(
    `SELECT id::text, status, owner, size::text, checksum, visibility, disk_format FROM images WHERE name = 'cirros'`,
  );

describe('bootstrapImages', () => {
  it('registers one active public cirros however many starters race, with its bytes on disk', async () => {
    const { db, dataDir } = await fresh();
    await Promise.all([bootstrapImages(db.pool, dataDir), bootstrapImages(db.pool, dataDir), bootstrapImages(db.pool, dataDir)]);
    await bootstrapImages(db.pool, dataDir);
    const rows = (await cirrosRows(db)).rows;
    expect(rows).toHaveLength(1);
    const admin = await db.pool.query<{ id: string }>(`SELECT id FROM projects WHERE name = 'admin'`);
    const data = bootstrapImageData();
    expect(rows[0]).toMatchObject({ status: 'active', visibility: 'public', disk_format: 'qcow2', owner: admin.rows[0]!.id, size: String(data.length) });
    expect(rows[0]!.checksum).toBe(digestOf(data).checksum);
    expect((await fs.readFile(path.join(dataDir, 'images', rows[0]!.id))).equals(data)).toBe(true);
    expect((await fs.readdir(path.join(dataDir, 'images'))).sort()).toEqual([rows[0]!.id]);
  });

  it('writes the file back when a new data directory meets the old database', async () => {
    const { db, dataDir } = await fresh();
    await bootstrapImages(db.pool, dataDir);
    const id = (await cirrosRows(db)).rows[0]!.id;
    await fs.rm(path.join(dataDir, 'images', id));
    await bootstrapImages(db.pool, dataDir);
    expect((await fs.readFile(path.join(dataDir, 'images', id))).equals(bootstrapImageData())).toBe(true);
    expect((await cirrosRows(db)).rows).toHaveLength(1);
  });

  it('does nothing without the admin project', async () => {
    db = await freshDatabase();
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'novaflow-image-boot-'));
    await bootstrapImages(db.pool, dataDir);
    expect((await cirrosRows(db)).rows).toEqual([]);
  });
});
