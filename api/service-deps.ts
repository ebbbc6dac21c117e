import type pg from 'pg';
import type { Logger } from '../infra/logger.ts';

/** What every service router (identity, image, network, volume) is built from. */
export interface ServiceDeps {
  db: pg.Pool;
  log: Logger;
  /** Base URL clients reach the API at, without a trailing slash (links, catalog). */
  publicUrl: string;
  /** The data directory: image files, volume files. */
  dataDir: string;
  maxBodyBytes: number;
}
