/**
 * Named activity option profiles. Every activity runs under one of these, so its timeout and retry policy are
 * chosen deliberately and visible in one place.
 */
import type { ActivityOptions } from '@temporalio/workflow';

/** Short database writes on the controller: fast, retried with backoff while PostgreSQL is unreachable. */
export const controllerDb: ActivityOptions = {
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '500 milliseconds', backoffCoefficient: 2, maximumInterval: '30 seconds' },
};

/** A quick question to a compute host; gives up when the host does not answer, rather than waiting forever. */
export const hostQuery: ActivityOptions = {
  scheduleToCloseTimeout: '30 seconds',
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '5 seconds' },
};
