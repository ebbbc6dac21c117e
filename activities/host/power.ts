/**
 * Host-side power activities, served on `compute.<host>`: one per server action, each a thin call into the driver.
 * Every driver operation is idempotent (asking for the state the guest is already in succeeds), so retries are safe.
 */
import { ApplicationFailure } from '@temporalio/common';
import { heartbeating } from './heartbeat.ts';
import { GuestNotFoundError, type DomainState, type HypervisorDriver, type RebootKind } from './driver.ts';

/** A guest the host does not have cannot appear by retrying: fail at once, with a type the workflow can tell. */
async function onGuest<T>(step: () => Promise<T>): Promise<T> {
  try {
    return await heartbeating(step);
  } catch (err) {
    if (err instanceof GuestNotFoundError) throw ApplicationFailure.nonRetryable(err.message, err.type);
    throw err;
  }
}

export function createPowerActivities(driver: HypervisorDriver) {
  return {
    async stopGuest(input: { uuid: string }): Promise<DomainState> {
      return onGuest(() => driver.powerOff(input.uuid));
    },
    async startGuest(input: { uuid: string }): Promise<DomainState> {
      return onGuest(() => driver.powerOn(input.uuid));
    },
    async rebootGuest(input: { uuid: string; kind: RebootKind }): Promise<DomainState> {
      return onGuest(() => driver.reboot(input.uuid, input.kind));
    },
    async pauseGuest(input: { uuid: string }): Promise<DomainState> {
      return onGuest(() => driver.pause(input.uuid));
    },
    async unpauseGuest(input: { uuid: string }): Promise<DomainState> {
      return onGuest(() => driver.unpause(input.uuid));
    },
    async suspendGuest(input: { uuid: string }): Promise<DomainState> {
      return onGuest(() => driver.suspend(input.uuid));
    },
    async resumeGuest(input: { uuid: string }): Promise<DomainState> {
      return onGuest(() => driver.resume(input.uuid));
    },
    /** The serial console log (the last `lines` lines when given). Read-only. */
    async guestConsole(input: { uuid: string; lines?: number }): Promise<string> {
      return onGuest(() => driver.consoleOutput(input.uuid, input.lines));
    },
  };
}

export type PowerActivities = ReturnType<typeof createPowerActivities>;
