/**
 * First start: the public test image `cirros`, owned by the admin project, so a fresh stack can boot at once.
 * Its bytes are made here — an empty qcow2 disk of 64 MiB, the same bytes every time, so their checksums are
 * known — and it is registered active when no image of that name exists. A transaction-scoped advisory lock
 * makes concurrent starters take turns; an existing `cirros` whose file went missing gets it written back.
 */
import type pg from 'pg';
import { digestOf } from './checksum-stream.ts';
import { emptyQcow2, inspect } from './disk-format.ts';
import { imageFileExists, writeWhole } from './file-store.ts';
import { createImage, transaction } from './queries.ts';

export const BOOTSTRAP_IMAGE = 'cirros';
export const BOOTSTRAP_VIRTUAL_SIZE = 64 * 1024 * 1024;

/** The bytes of the test image. */
export const bootstrapImageData = (): Buffer => emptyQcow2(BOOTSTRAP_VIRTUAL_SIZE);

export async function bootstrapImages(db: pg.Pool, dataDir: string): Promise<void> {
  const admin = await db.query<{ id: string }>(`SELECT id FROM projects WHERE domain_id = 'default' AND name = 'admin'`);
  const owner = admin.rows[0]?.id;
  if (!owner) return; // no identity bootstrap, nobody to own it
  const data = bootstrapImageData();
  const digest = digestOf(data);

  await transaction(db, async (client) => {
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', ['novaflow-image-bootstrap']);
    const existing = await client.query<{ id: string; checksum: string | null }>(
      `SELECT id::text AS id, checksum FROM images WHERE name = $1 AND deleted_at IS NULL ORDER BY created_at LIMIT 1`,
      [BOOTSTRAP_IMAGE],
    );
    const found = existing.rows[0];
    if (found) {
      // Ours, with its file lost (a new data directory over an old database): write the same bytes back.
      if (found.checksum === digest.checksum) {
        if (!(await imageFileExists(dataDir, found.id))) await writeWhole(dataDir, found.id, data);
      }
      return;
    }
    const image = await createImage(client, {
      name: BOOTSTRAP_IMAGE,
      visibility: 'public',
      protected: false,
      os_hidden: false,
      owner,
      disk_format: 'qcow2',
      container_format: 'bare',
      min_disk: 0,
      min_ram: 0,
      properties: { os_distro: 'cirros', description: 'Empty 64 MiB qcow2 test disk made at first start' },
      tags: [],
    });
    await writeWhole(dataDir, image.id, data);
    await client.query(
      `UPDATE images SET status = 'active', size = $2, virtual_size = $3, checksum = $4, os_hash_algo = $5, os_hash_value = $6
       WHERE id = $1`,
      [image.id, digest.size, inspect(data).virtualSize, digest.checksum, digest.osHashAlgo, digest.osHashValue],
    );
  });
}
