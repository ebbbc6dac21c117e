/** Each part of Novaflow started alone, as production runs them (`novaflow api|controller|compute|migrate`). */
import { rebuildProjections } from '../activities/control/instances/store.ts';
import { createApp } from '../api/app.ts';
import { listen } from '../api/server.ts';
import { startComputeWorker } from '../workers/compute.ts';
import { startControllerWorker } from '../workers/controller.ts';
import { publicUrl, type Config } from './config.ts';
import { driverFor } from './drivers.ts';
import { connectTemporal, databaseUrl, openPool } from './connections.ts';
import { createLogger } from './logger.ts';
import { bootstrapSecrets, prepareDatabase } from './prepare-database.ts';
import { migrate } from '../schema/migrate.ts';
import { ensureSearchAttributes } from './temporal-namespace.ts';
import { installTemporalRuntime } from './temporal-runtime.ts';

type Stop = () => Promise<void>;

async function migratedPool(config: Config) {
  const db = openPool(await databaseUrl(config));
  await prepareDatabase(db, { secrets: await bootstrapSecrets(config), dataDir: config.dataDir });
  return db;
}

export async function runMigrate(config: Config): Promise<void> {
  const db = openPool(await databaseUrl(config));
  try {
    const applied = await migrate(db);
    console.log(applied.length ? `applied migrations ${applied.join(', ')}` : 'database schema is up to date');
  } finally {
    await db.end();
  }
}

export async function runRebuildProjections(config: Config): Promise<void> {
  const db = openPool(await databaseUrl(config));
  try {
    await migrate(db);
    const events = await rebuildProjections(db);
    console.log(`rebuilt instances and instance actions from ${events} events`);
  } finally {
    await db.end();
  }
}

export async function runApi(config: Config): Promise<Stop> {
  const log = createLogger(config.logLevel);
  const db = await migratedPool(config);
  const temporal = await connectTemporal(config);
  await ensureSearchAttributes(temporal.connection, config.temporalNamespace);
  const app = createApp({ db, temporal: temporal.connection, log, publicUrl: publicUrl(config), dataDir: config.dataDir, maxBodyBytes: config.maxBodyBytes, serviceDownTimeSeconds: config.serviceDownTimeSeconds, temporalNamespace: config.temporalNamespace, controlQueue: config.controlQueue,
    moves: { allowResizeToSameHost: config.allowResizeToSameHost ?? false, resizeConfirmWindowSeconds: config.resizeConfirmWindowSeconds } });
  const api = await listen(app, config.apiHost, config.apiPort);
  log.info({ url: api.url }, 'API listening');
  return async () => {
    await api.stop();
    await temporal.close();
    await db.end();
  };
}

export async function runController(config: Config): Promise<Stop> {
  const log = createLogger(config.logLevel);
  installTemporalRuntime(log);
  const db = await migratedPool(config);
  const temporal = await connectTemporal(config);
  await ensureSearchAttributes(temporal.connection, config.temporalNamespace);
  const worker = await startControllerWorker({
    connection: temporal.native,
    client: temporal.client,
    namespace: config.temporalNamespace,
    db,
    dataDir: config.dataDir,
    log,
    serviceDownTimeSeconds: config.serviceDownTimeSeconds,
    powerSyncIntervalSeconds: config.powerSyncIntervalSeconds,
    reportIntervalSeconds: config.reportIntervalSeconds,
    taskQueue: config.controlQueue,
  });
  log.info({ taskQueue: worker.taskQueue }, 'controller worker running');
  return async () => {
    await worker.stop();
    await temporal.close();
    await db.end();
  };
}

export async function runCompute(config: Config, opts: { host: string; driver: string }): Promise<Stop> {
  const driver = await driverFor(config, opts.host, opts.driver);
  const log = createLogger(config.logLevel);
  installTemporalRuntime(log);
  const temporal = await connectTemporal(config);
  const worker = await startComputeWorker({
    connection: temporal.native,
    client: temporal.client,
    namespace: config.temporalNamespace,
    host: opts.host,
    driver,
    reportIntervalSeconds: config.reportIntervalSeconds,
    log,
    controlQueue: config.controlQueue,
  });
  log.info({ taskQueue: worker.taskQueue, driver: driver.name }, 'compute worker running');
  return async () => {
    await worker.stop();
    await temporal.close();
  };
}

export async function runProbe(config: Config, host: string): Promise<void> {
  const temporal = await connectTemporal(config);
  try {
    const info = await temporal.client.workflow.execute('probeHost', {
      workflowId: `probe-host-${host}-${Date.now()}`,
      taskQueue: config.controlQueue,
      args: [{ host }],
    });
    console.log(JSON.stringify(info, null, 2));
  } finally {
    await temporal.close();
  }
}
