/**
 * The API plus real workers against the test Temporal dev server: a controller worker and fake compute hosts,
 * each registered as its monitor would on the first heartbeat. For tests of whole operations through the API.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { MoveSettings } from '../../api/compute/deps.ts';
import { upsertComputeHost } from '../../activities/control/db/services.ts';
import { FakeDriver, type FakeHostCapacity } from '../../activities/host/fake/driver.ts';
import { LibvirtDriver } from '../../activities/host/libvirt/driver.ts';
import { HttpImageFetcher } from '../../activities/host/libvirt/image-fetcher.ts';
import { COMPUTE_SERVICE_USER } from '../../activities/services/identity/bootstrap.ts';
import { createLogger } from '../../infra/logger.ts';
import { startComputeWorker } from '../../workers/compute.ts';
import { startControllerWorker } from '../../workers/controller.ts';
import type { RunningWorker } from '../../workers/running.ts';
import { startTestApi, TEST_SECRETS, type TestApi } from './api.ts';
import { connectTestTemporal, testControlQueue, workflowBundle, type TestTemporal } from './temporal.ts';

export interface TestStack extends TestApi {
  hosts: string[];
  drivers: Map<string, FakeDriver>;
  /** The stack's Temporal connection, for tests that look at workflows (Temporal Web's view). */
  temporal: TestTemporal;
}

export interface TestStackOptions {
  hosts?: number;
  capacity?: FakeHostCapacity;
  spawnMs?: number;
  reachable?: boolean;
  /** Resize settings (Nova's allow_resize_to_same_host, resize_confirm_window). */
  moves?: MoveSettings;
  /** Run the controller worker in this process (default); false when the test runs `novaflow controller` itself. */
  controller?: boolean;
  /** How long a live migration's memory copy takes on the fake hosts. */
  liveMigrationMs?: number;
  /** Also a real libvirt host (qemu:///system), with instances under `instancesPath`. */
  libvirt?: { host: string; instancesPath: string };
}

export async function startTestStack(opts: TestStackOptions = {}): Promise<TestStack> {
  const api = await startTestApi({ reachable: opts.reachable, moves: opts.moves });
  const temporal = await connectTestTemporal();
  const log = createLogger('silent');
  const run = randomBytes(3).toString('hex'); // the dev server outlives a test file: queues unique to this one
  const stateDir = await fs.mkdtemp(path.join(os.tmpdir(), 'novaflow-hosts-'));
  const workers: RunningWorker[] = [];
  if (opts.controller !== false) {
    workers.push(await startControllerWorker({
      connection: temporal.native, client: temporal.client, namespace: 'default', db: api.db.pool, dataDir: api.dataDir, log,
      serviceDownTimeSeconds: 60, reportIntervalSeconds: 30, workflowBundle: await workflowBundle(), hostname: `ctl-${run}`,
      taskQueue: testControlQueue,
    }));
  }
  const hosts = Array.from({ length: opts.hosts ?? 3 }, (_, i) => `h${i + 1}-${run}`);
  const drivers = new Map<string, FakeDriver>();
  for (const host of hosts) {
    const driver = new FakeDriver(host, opts.capacity ?? { vcpus: 16, memoryMb: 16384, localGb: 200 }, { stateDir, spawnMs: opts.spawnMs ?? 100, liveMigrationMs: opts.liveMigrationMs });
    drivers.set(host, driver);
    await upsertComputeHost(api.db.pool, await driver.hostInfo(), new Date());
    workers.push(
      await startComputeWorker({
        connection: temporal.native, client: temporal.client, namespace: 'default', host, driver, reportIntervalSeconds: 30, log,
        controlQueue: testControlQueue,
      }),
    );
  }
  if (opts.libvirt) {
    // QEMU runs as libvirt-qemu and opens volume files under the API's data directory: it must be searchable.
    await fs.chmod(api.dataDir, 0o755);
    const driver = new LibvirtDriver({
      host: opts.libvirt.host,
      instancesPath: opts.libvirt.instancesPath,
      shutdownTimeoutSeconds: 20,
      imageFetcher: new HttpImageFetcher({
        identityUrl: `${api.url}/identity`,
        imageUrl: `${api.url}/image`,
        credentials: { username: COMPUTE_SERVICE_USER, password: TEST_SECRETS.computePassword, userDomainName: 'Default', projectName: 'service', projectDomainName: 'Default' },
      }),
    });
    await upsertComputeHost(api.db.pool, await driver.hostInfo(), new Date());
    workers.push(
      await startComputeWorker({
        connection: temporal.native, client: temporal.client, namespace: 'default', host: opts.libvirt.host, driver, reportIntervalSeconds: 30, log,
        controlQueue: testControlQueue,
      }),
    );
  }
  return {
    ...api,
    hosts,
    drivers,
    temporal,
    stop: async () => {
      for (const w of workers.reverse()) await w.stop();
      await temporal.close();
      await api.stop();
      await fs.rm(stateDir, { recursive: true, force: true });
    },
  };
}
