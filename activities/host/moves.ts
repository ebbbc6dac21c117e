/**
 * Host-side activities of the move workflows (resize, cold and live migration), served on `compute.<host>`. Thin
 * calls into the driver, each idempotent; a move the driver cannot make fails at once with its own type.
 */
import { ApplicationFailure } from '@temporalio/common';
import { heartbeating } from './heartbeat.ts';
import { GuestNotFoundError, MoveUnsupportedError, type DomainSpec, type DomainState, type HypervisorDriver, type LiveMigrationProgress, type PowerStateValue } from './driver.ts';

async function moving<T>(step: () => Promise<T>): Promise<T> {
  try {
    return await heartbeating(step);
  } catch (err) {
    if (err instanceof GuestNotFoundError || err instanceof MoveUnsupportedError) throw ApplicationFailure.nonRetryable(err.message, err.type);
    throw err;
  }
}

export function createMoveActivities(driver: HypervisorDriver) {
  return {
    /** Source side of a resize or cold migration: the guest is powered off, its disks kept for a revert. */
    async prepareMoveSource(input: { uuid: string }): Promise<DomainState> {
      return moving(() => driver.powerOff(input.uuid));
    },
    /** The guest on this host takes `spec`'s size (resize finishing here, or a revert back here). */
    async finishMove(input: { spec: DomainSpec; powerOn: boolean }): Promise<DomainState> {
      return moving(() => driver.finishMove(input.spec, input.powerOn));
    },
    async prepareIncomingGuest(input: { spec: DomainSpec }): Promise<DomainState> {
      return moving(() => driver.prepareIncoming(input.spec));
    },
    async liveMigrationStep(input: { uuid: string; destHost: string; round: number; forceComplete: boolean }): Promise<LiveMigrationProgress> {
      return moving(() => driver.liveMigrationStep(input.uuid, input.destHost, input.round, input.forceComplete));
    },
    async finishIncomingGuest(input: { uuid: string; powerState: PowerStateValue }): Promise<DomainState> {
      return moving(() => driver.finishIncoming(input.uuid, input.powerState));
    },
  };
}
