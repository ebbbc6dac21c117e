/** Host-side volume activities on `compute.<host>`: hot-plugging a volume's disk into a guest and out again. */
import { ApplicationFailure } from '@temporalio/common';
import { GuestNotFoundError, type HypervisorDriver, type VolumeDisk } from './driver.ts';
import { heartbeating } from './heartbeat.ts';

export function createVolumeHostActivities(driver: HypervisorDriver) {
  return {
    /** Attaching a volume already attached succeeds (the driver's contract), so a retry is safe. */
    async attachGuestVolume(input: { uuid: string; disk: VolumeDisk }): Promise<void> {
      try {
        await heartbeating(() => driver.attachVolume(input.uuid, input.disk));
      } catch (err) {
        if (err instanceof GuestNotFoundError) throw ApplicationFailure.nonRetryable(err.message, err.type);
        throw err;
      }
    },
    /** A volume that is not attached (any more) is not an error. */
    async detachGuestVolume(input: { uuid: string; volumeId: string }): Promise<void> {
      await heartbeating(() => driver.detachVolume(input.uuid, input.volumeId));
    },
  };
}
