import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { candidateHosts, claim, release } from '../../activities/control/db/claims.ts';
import { upsertComputeHost } from '../../activities/control/db/services.ts';
import { freshDatabase, type TestDatabase } from '../support/database.ts';

let db: TestDatabase;
const small = { vcpus: 1, memoryMb: 512, diskGb: 1 };

async function provider(name: string, memoryMb: number): Promise<string> {
  await upsertComputeHost(db.pool, {
    host: name, hypervisorHostname: name, hypervisorType: 'fake', hypervisorVersion: 1000, hostIp: '127.0.0.1',
    vcpus: 64, memoryMb, localGb: 1000, driver: 'fake',
  }, new Date());
  return String((await db.pool.query('SELECT id FROM resource_providers WHERE name = $1', [name])).rows[0].id);
}

beforeAll(async () => {
  db = await freshDatabase();
});
afterAll(() => db.drop());

describe('claims on real PostgreSQL', () => {
  it('never over-commit a host under 50 concurrent claims: room for 30 means exactly 30', async () => {
    // 512 MB reserved for the host + 30 × 512 MB
    const id = await provider('race', 512 + 30 * 512);
    const outcomes = await Promise.all(Array.from({ length: 50 }, () => claim(db.pool, id, randomUUID(), small)));
    expect(outcomes.filter((o) => o === 'claimed')).toHaveLength(30);
    expect(outcomes.filter((o) => o === 'no-room')).toHaveLength(20);
    const used = await db.pool.query('SELECT sum(memory_mb)::int AS mb, count(*)::int AS n FROM allocations WHERE resource_provider_id = $1', [id]);
    expect(used.rows[0]).toEqual({ mb: 30 * 512, n: 30 });
  });

  it('are idempotent per consumer, and release frees the room again', async () => {
    const id = await provider('retry', 512 + 512);
    const consumer = randomUUID();
    expect(await claim(db.pool, id, consumer, small)).toBe('claimed');
    expect(await claim(db.pool, id, consumer, small)).toBe('claimed'); // a retried activity
    expect(await claim(db.pool, id, randomUUID(), small)).toBe('no-room');
    await release(db.pool, consumer);
    await release(db.pool, consumer);
    expect(await claim(db.pool, id, randomUUID(), small)).toBe('claimed');
  });

  it('offer only up hosts with room as candidates', async () => {
    await provider('roomy', 64 * 1024);
    const names = (await candidateHosts(db.pool, { vcpus: 1, memoryMb: 8192, diskGb: 1 }, { serviceDownTimeSeconds: 60 })).map((h) => h.host);
    expect(names).toEqual(['roomy']);
    const roomy = (await candidateHosts(db.pool, small, { serviceDownTimeSeconds: 60 })).find((h) => h.host === 'roomy')!;
    expect(roomy).toMatchObject({ vcpus: 64, memoryMb: 65536, cpuAllocationRatio: 4, reservedHostMemoryMb: 512, up: true });
  });
});
