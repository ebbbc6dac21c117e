/** Every activity the controller worker serves on `novaflow-control`. */
import type { Client } from '@temporalio/client';
import type pg from 'pg';
import { createBuildActivities } from './build.ts';
import { createNetworkActivities } from './network.ts';
import { createHostRegistryActivities, type HostRegistrySettings } from './host-registry.ts';

export interface ControlDeps {
  db: pg.Pool;
  temporal: Client;
  settings: HostRegistrySettings;
}

export function createControlActivities(deps: ControlDeps) {
  return {
    ...createHostRegistryActivities(deps),
    ...createNetworkActivities({ db: deps.db }),
    ...createBuildActivities({ db: deps.db, temporal: deps.temporal, serviceDownTimeSeconds: deps.settings.serviceDownTimeSeconds }),
  };
}

export type ControlActivities = ReturnType<typeof createControlActivities>;
