/**
 * Reading activity failures in workflows, and recording instance events with per-step idempotency keys: shared by
 * every lifecycle workflow. Deterministic (no I/O of its own).
 */
import { ActivityFailure, ApplicationFailure, proxyLocalActivities, workflowInfo } from '@temporalio/workflow';
import type { ControlActivities } from '../activities/control/index.ts';
import type { InstanceEvent } from '../activities/control/instances/events.ts';
import { recordLocally } from './activity-profiles.ts';

/** The ApplicationFailure type behind an activity failure (types survive bundling; class names do not). */
export function failureType(err: unknown): string | undefined {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  return cause instanceof ApplicationFailure ? (cause.type ?? undefined) : undefined;
}

export function failureMessage(err: unknown): string {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  return cause instanceof Error ? cause.message : String(err);
}

const events = proxyLocalActivities<ControlActivities>(recordLocally);

/**
 * Appends events for `uuid` as a local activity; the key `<workflow id>:<n>:<name>` makes a retried or replayed
 * step append once.
 */
export function eventRecorder(uuid: string, requestId: string): (list: InstanceEvent[], name: string) => Promise<boolean> {
  const workflowId = workflowInfo().workflowId;
  let n = 0;
  return (list, name) => events.recordEvents({ uuid, events: list, requestId, workflowId, idemKey: `${workflowId}:${++n}:${name}` });
}
