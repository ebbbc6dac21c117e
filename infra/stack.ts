/**
 * `novaflow stack` (`npm start`): the whole product on embedded defaults in one process tree — PostgreSQL,
 * the Temporal dev server, migrations, the API, the controller worker and N fake compute hosts — started in
 * that order with progress printed, and stopped in reverse order on Ctrl-C or SIGTERM.
 */
import path from 'node:path';
import type pg from 'pg';
import { createApp } from '../api/app.ts';
import { listen } from '../api/server.ts';
import { startComputeWorker } from '../workers/compute.ts';
import { startControllerWorker } from '../workers/controller.ts';
import type { RunningWorker } from '../workers/running.ts';
import { publicUrl, temporalUiUrl, type Config } from './config.ts';
import { fakeDriver, libvirtDriver } from './drivers.ts';
import { connectTemporal, databaseUrl, openPool } from './connections.ts';
import { startEmbeddedPostgres } from './embedded-postgres.ts';
import { createLogger } from './logger.ts';
import { writeOpenrc } from './openrc.ts';
import { bootstrapSecrets, prepareDatabase } from './prepare-database.ts';
import { findTemporalBinary } from './temporal-binary.ts';
import { startTemporalDevServer } from './temporal-dev-server.ts';
import { ensureSearchAttributes } from './temporal-namespace.ts';
import { installTemporalRuntime } from './temporal-runtime.ts';

type Stop = () => Promise<void>;

export interface Stack {
  apiUrl: string;
  temporalUi?: string;
  openrc: string;
  stop(): Promise<void>;
}

export function fakeHostName(i: number): string {
  return `fake-${String(i).padStart(2, '0')}`;
}

export async function startStack(config: Config, print: (line: string) => void = console.log): Promise<Stack> {
  const logFile = path.join(config.dataDir, 'logs', 'novaflow.log');
  const log = createLogger(config.logLevel, logFile);
  installTemporalRuntime(log);
  const stops: { name: string; stop: Stop }[] = [];
  const started = Date.now();
  const step = async <T>(label: string, fn: () => Promise<T>, detail?: (t: T) => string): Promise<T> => {
    const t0 = Date.now();
    const result = await fn();
    const extra = detail ? ` — ${detail(result)}` : '';
    print(`  ✓ ${label} (${((Date.now() - t0) / 1000).toFixed(1)} s)${extra}`);
    return result;
  };
  const stopAll = async () => {
    for (const { name, stop } of stops.reverse()) {
      try {
        await stop();
      } catch (err) {
        log.error({ err, part: name }, 'stopping failed');
      }
    }
    stops.length = 0;
    log.flush();
  };

  print(`Starting Novaflow (data directory ${config.dataDir}; logs in ${logFile})`);
  try {
    let dbUrl: string;
    if (config.databaseUrl) {
      dbUrl = await databaseUrl(config);
      print('  ✓ PostgreSQL: DATABASE_URL');
    } else {
      const pgServer = await step(`PostgreSQL (embedded, 127.0.0.1:${config.embeddedPgPort})`, () =>
        startEmbeddedPostgres({ dataDir: config.dataDir, port: config.embeddedPgPort, log: log.child({ component: 'postgres' }) }),
      );
      stops.push({ name: 'postgres', stop: pgServer.stop });
      dbUrl = pgServer.url;
    }

    let temporalAddress = config.temporalAddress;
    let uiUrl = temporalUiUrl(config);
    if (!temporalAddress) {
      const binary = await step('Temporal CLI', findTemporalBinary, (b) => `${b.version} from ${b.source}`);
      const dev = await step(`Temporal dev server (127.0.0.1:${config.embeddedTemporalPort})`, () =>
        startTemporalDevServer({
          binary,
          dataDir: config.dataDir,
          port: config.embeddedTemporalPort,
          uiPort: config.embeddedTemporalUiPort,
          namespace: config.temporalNamespace,
          log,
        }),
      );
      stops.push({ name: 'temporal', stop: dev.stop });
      temporalAddress = dev.address;
      uiUrl = dev.uiUrl;
    } else {
      print(`  ✓ Temporal: TEMPORAL_ADDRESS ${temporalAddress}`);
    }
    const temporal = await connectTemporal(config, temporalAddress);
    stops.push({ name: 'temporal connections', stop: temporal.close });
    await step('search attributes', () => ensureSearchAttributes(temporal.connection, config.temporalNamespace), (added) =>
      added.length ? `registered ${added.join(', ')}` : 'already registered',
    );

    const db: pg.Pool = openPool(dbUrl);
    stops.push({ name: 'database pool', stop: () => db.end() });
    const secrets = await bootstrapSecrets(config);
    await step('migrations and first-start data', () => prepareDatabase(db, { secrets, dataDir: config.dataDir }), (applied) =>
      applied.length ? `applied migrations ${applied.join(', ')}` : 'schema up to date',
    );

    const app = createApp({ db, temporal: temporal.connection, log, publicUrl: publicUrl(config), dataDir: config.dataDir, maxBodyBytes: config.maxBodyBytes, serviceDownTimeSeconds: config.serviceDownTimeSeconds, temporalNamespace: config.temporalNamespace, controlQueue: config.controlQueue,
      // A stack with a libvirt host has one real host: resizing it needs the same host allowed (as Nova's single-host setups).
      moves: { allowResizeToSameHost: config.allowResizeToSameHost ?? Boolean(config.libvirtHost), resizeConfirmWindowSeconds: config.resizeConfirmWindowSeconds } });
    const api = await step(`API (${config.apiHost}:${config.apiPort})`, () => listen(app, config.apiHost, config.apiPort));
    stops.push({ name: 'api', stop: api.stop });

    const controller = await step('controller worker (novaflow-control)', () =>
      startControllerWorker({
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
      }),
    );
    stops.push({ name: 'controller worker', stop: controller.stop });

    const hosts: RunningWorker[] = await step(
      `${config.fakeHosts} fake compute host(s)`,
      () =>
        Promise.all(
          Array.from({ length: config.fakeHosts }, (_, i) =>
            startComputeWorker({
              connection: temporal.native,
              client: temporal.client,
              namespace: config.temporalNamespace,
              host: fakeHostName(i + 1),
              driver: fakeDriver(config, fakeHostName(i + 1)),
              reportIntervalSeconds: config.reportIntervalSeconds,
              log,
              controlQueue: config.controlQueue,
            }),
          ),
        ),
      (workers) => workers.map((w) => w.taskQueue).join(', '),
    );
    if (config.libvirtHost) {
      const name = config.libvirtHost;
      hosts.push(
        await step(`libvirt compute host ${name} (${config.libvirtUri}, domain type ${config.libvirtDomainType})`, async () =>
          startComputeWorker({
            connection: temporal.native,
            client: temporal.client,
            namespace: config.temporalNamespace,
            host: name,
            driver: await libvirtDriver(config, name),
            reportIntervalSeconds: config.reportIntervalSeconds,
            log,
            controlQueue: config.controlQueue,
          }),
        ),
      );
    }
    stops.push({ name: 'compute workers', stop: async () => void (await Promise.all(hosts.map((h) => h.stop()))) });

    const openrc = path.join(config.dataDir, 'openrc');
    const apiUrl = publicUrl(config);
    const authUrl = `${apiUrl}/identity/v3`;
    await writeOpenrc(openrc, { authUrl, username: 'admin', password: secrets.adminPassword, projectName: 'admin', region: 'RegionOne' });
    await writeOpenrc(`${openrc}.demo`, { authUrl, username: 'demo', password: secrets.demoPassword, projectName: 'demo', region: 'RegionOne' });

    print('');
    print(`Novaflow is up in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
    print(`  API           ${apiUrl}  (compute: ${apiUrl}/compute/v2.1, health: ${apiUrl}/healthz)`);
    if (uiUrl) print(`  Temporal Web  ${uiUrl}`);
    print(`  openrc        ${openrc}  (member user demo: ${openrc}.demo)`);
    print('');
    print('Try:');
    print(`  source ${openrc}`);
    print('  openstack compute service list');
    print('  openstack hypervisor list');
    print('  openstack server create --image cirros --flavor m1.tiny --network private --wait demo-1');
    print('');
    print('Ctrl-C stops everything.');
    return { apiUrl, temporalUi: uiUrl, openrc, stop: stopAll };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
