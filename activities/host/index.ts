/** Every activity a compute worker serves on its own task queue. */
import type { HypervisorDriver } from './driver.ts';
import { createGuestActivities } from './guests.ts';
import { createHostInfoActivities } from './host-info.ts';

export function createHostActivities(driver: HypervisorDriver) {
  return { ...createHostInfoActivities(driver), ...createGuestActivities(driver) };
}

export type HostActivities = ReturnType<typeof createHostActivities>;
