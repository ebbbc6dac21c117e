/** Brings a database to what the API needs: migrations, then first-start data (idempotent, safe concurrently). */
import path from 'node:path';
import type pg from 'pg';
import { bootstrapFlavors } from '../activities/control/db/flavors.ts';
import { bootstrapIdentity } from '../activities/services/identity/bootstrap.ts';
import { bootstrapImages } from '../activities/services/image/bootstrap.ts';
import { bootstrapNetworks } from '../activities/services/network/bootstrap.ts';
import { migrate } from '../schema/migrate.ts';
import type { Config } from './config.ts';
import { readOrCreateSecret } from './secrets.ts';

export interface BootstrapSecrets {
  adminPassword: string;
  demoPassword: string;
  computePassword?: string;
}

/** The bootstrap users' passwords: from the environment, else generated once and kept in the data directory. */
export async function bootstrapSecrets(config: Config): Promise<BootstrapSecrets> {
  return {
    adminPassword: config.adminPassword ?? (await readOrCreateSecret(path.join(config.dataDir, 'admin.password'))),
    demoPassword: await readOrCreateSecret(path.join(config.dataDir, 'demo.password')),
    computePassword: config.computePassword ?? (await readOrCreateSecret(path.join(config.dataDir, 'compute.password'))),
  };
}

export async function prepareDatabase(db: pg.Pool, opts: { secrets: BootstrapSecrets; dataDir: string }): Promise<number[]> {
  const applied = await migrate(db);
  await bootstrapIdentity(db, opts.secrets);
  await bootstrapImages(db, opts.dataDir);
  await bootstrapNetworks(db);
  await bootstrapFlavors(db);
  return applied;
}
