/** Every activity a compute worker serves on its own task queue. */
import type { HypervisorDriver } from './driver.ts';
import { createGuestActivities } from './guests.ts';
import { createHostInfoActivities } from './host-info.ts';
import { createMoveActivities } from './moves.ts';
import { createPowerActivities } from './power.ts';
import { createVolumeHostActivities } from './volumes.ts';

export function createHostActivities(driver: HypervisorDriver) {
  return { ...createHostInfoActivities(driver), ...createGuestActivities(driver), ...createPowerActivities(driver), ...createVolumeHostActivities(driver), ...createMoveActivities(driver) };
}

export type HostActivities = ReturnType<typeof createHostActivities>;
