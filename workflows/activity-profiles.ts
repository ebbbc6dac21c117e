/**
 * Named activity option profiles. Every activity runs under one of these, so its timeout and retry policy are
 * chosen deliberately and visible in one place.
 */
import { ActivityCancellationType, type ActivityOptions, type LocalActivityOptions } from '@temporalio/workflow';

/**
 * Host activities heartbeat every 5 s while they work (`activities/host/heartbeat.ts`): a compute worker that dies
 * mid-step, or a completion lost on the way, is noticed after this long rather than at the start-to-close timeout.
 */
const HOST_HEARTBEAT_TIMEOUT = '30 seconds';

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

/** Auth re-check, filtering and claiming (local activities): quick, but retried while PostgreSQL is unreachable. */
export const scheduling: LocalActivityOptions = {
  startToCloseTimeout: '60 seconds',
  retry: { initialInterval: '500 milliseconds', backoffCoefficient: 2, maximumInterval: '10 seconds' },
};

/**
 * Guest work on a compute host (fetch image, spawn, destroy). A host that is down cannot take the task: after
 * five minutes in its queue the attempt fails and the build moves to another host. A cancelled build waits for
 * a spawn already running to end before it undoes it — else the undo could run first and the guest outlive it.
 */
export const hostSpawn: ActivityOptions = {
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  scheduleToStartTimeout: '5 minutes',
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: HOST_HEARTBEAT_TIMEOUT,
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 3 },
};

/**
 * A power action on a compute host (stop, start, reboot, pause, ...). A host that does not take the task within a
 * minute is treated as down (Nova's RPC timeout): the action fails and the server keeps its state.
 */
export const hostAction: ActivityOptions = {
  scheduleToStartTimeout: '1 minute',
  startToCloseTimeout: '5 minutes',
  heartbeatTimeout: HOST_HEARTBEAT_TIMEOUT,
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '10 seconds', maximumAttempts: 3 },
};

/** Undoing a guest on a host during compensation: tried briefly; a host that is away cleans up when it returns. */
export const hostCleanup: ActivityOptions = {
  scheduleToStartTimeout: '1 minute',
  startToCloseTimeout: '2 minutes',
  heartbeatTimeout: HOST_HEARTBEAT_TIMEOUT,
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '10 seconds', maximumAttempts: 2 },
};

/** Waiting for another workflow (a build being stopped) to end; heartbeats show the wait is alive. */
export const awaitWorkflow: ActivityOptions = {
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds' },
};

/**
 * Recording instance events: a short insert run as a local activity in the controller worker that runs the
 * workflow, which saves a task queue round trip per state change (the steps themselves stay activities).
 */
export const recordLocally: LocalActivityOptions = {
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '500 milliseconds', backoffCoefficient: 2, maximumInterval: '30 seconds' },
};
