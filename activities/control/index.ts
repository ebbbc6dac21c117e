/** Every activity the controller worker serves on `novaflow-control`. */
import type { Client } from '@temporalio/client';
import type pg from 'pg';
import { createBuildActivities } from './build.ts';
import { createNetworkActivities } from './network.ts';
import { createVolumeActivities } from './volumes.ts';
import { createMoveActivities } from './moves.ts';
import { createMigrationRecordActivities } from './migration-records.ts';
import { createRunbookActivities } from './runbooks.ts';
import { createPowerSyncActivities } from './power-sync.ts';
import { createHostRegistryActivities, type HostRegistrySettings } from './host-registry.ts';

export interface ControlDeps {
  db: pg.Pool;
  temporal: Client;
  settings: HostRegistrySettings;
  /** Where the embedded volume service keeps volume files (volumes the build makes are created there). */
  dataDir: string;
}

export function createControlActivities(deps: ControlDeps) {
  return {
    ...createHostRegistryActivities(deps),
    ...createNetworkActivities({ db: deps.db }),
    ...createVolumeActivities({ db: deps.db, dataDir: deps.dataDir }),
    ...createPowerSyncActivities({ db: deps.db }),
    ...createMoveActivities({ db: deps.db, serviceDownTimeSeconds: deps.settings.serviceDownTimeSeconds }),
    ...createMigrationRecordActivities({ db: deps.db, temporal: deps.temporal }),
    ...createRunbookActivities({ db: deps.db, serviceDownTimeSeconds: deps.settings.serviceDownTimeSeconds }),
    ...createBuildActivities({ db: deps.db, temporal: deps.temporal, serviceDownTimeSeconds: deps.settings.serviceDownTimeSeconds }),
  };
}

export type ControlActivities = ReturnType<typeof createControlActivities>;
