/** Host-side guest lifecycle activities, served on `compute.<host>`. Each is idempotent. */
import { ApplicationFailure } from '@temporalio/common';
import type { DomainSpec, DomainState, HypervisorDriver, ImageRef } from './driver.ts';
import { RescheduledBuildError } from './driver.ts';

export function createGuestActivities(driver: HypervisorDriver) {
  return {
    async fetchImage(image: ImageRef): Promise<void> {
      await driver.fetchImage(image);
    },
    /** A driver's reschedulable failure becomes a non-retryable failure of that type: the controller moves on. */
    async spawnGuest(spec: DomainSpec): Promise<DomainState> {
      try {
        return await driver.spawn(spec);
      } catch (err) {
        if (err instanceof RescheduledBuildError) throw ApplicationFailure.nonRetryable(err.message, err.type);
        throw err;
      }
    },
    async destroyGuest(uuid: string): Promise<void> {
      await driver.destroy(uuid);
    },
    async guestState(uuid: string): Promise<DomainState | null> {
      return (await driver.domainState(uuid)) ?? null;
    },
  };
}
