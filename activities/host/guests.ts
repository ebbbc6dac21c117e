/** Host-side guest lifecycle activities, served on `compute.<host>`. Each is idempotent. */
import { ApplicationFailure } from '@temporalio/common';
import type { DomainSpec, DomainState, HypervisorDriver, ImageRef } from './driver.ts';
import { RescheduledBuildError } from './driver.ts';
import { heartbeating } from './heartbeat.ts';

/** Driver failures that no retry on this host fixes; the build aborts on them rather than rescheduling. */
const NOT_RETRYABLE_TYPES = ['ImageFetchError', 'UnsupportedHardware'];

async function reschedulable<T>(step: () => Promise<T>): Promise<T> {
  try {
    return await heartbeating(step);
  } catch (err) {
    if (err instanceof RescheduledBuildError) throw ApplicationFailure.nonRetryable(err.message, err.type);
    const type = (err as { type?: unknown }).type;
    if (typeof type === 'string' && NOT_RETRYABLE_TYPES.includes(type)) throw ApplicationFailure.nonRetryable((err as Error).message, type);
    throw err;
  }
}

export function createGuestActivities(driver: HypervisorDriver) {
  return {
    async fetchImage(image: ImageRef): Promise<void> {
      await reschedulable(() => driver.fetchImage(image));
    },
    /** Disks and definition of the guest (not started). A driver's reschedulable failure becomes a non-retryable
     * failure of that type: the controller moves on to another host. */
    async defineDomain(spec: DomainSpec): Promise<DomainState> {
      return reschedulable(() => driver.define(spec));
    },
    /** Boots the defined guest. */
    async startDomain(input: { uuid: string }): Promise<DomainState> {
      return reschedulable(() => driver.start(input.uuid));
    },
    async destroyGuest(uuid: string): Promise<void> {
      await heartbeating(() => driver.destroy(uuid));
    },
    async guestState(uuid: string): Promise<DomainState | null> {
      return (await driver.domainState(uuid)) ?? null;
    },
  };
}
