/** Every activity the controller worker serves on `novaflow-control`. */
import type pg from 'pg';
import { createHostRegistryActivities, type HostRegistrySettings } from './host-registry.ts';

export interface ControlDeps {
  db: pg.Pool;
  settings: HostRegistrySettings;
}

export function createControlActivities(deps: ControlDeps) {
  return { ...createHostRegistryActivities(deps) };
}

export type ControlActivities = ReturnType<typeof createControlActivities>;
