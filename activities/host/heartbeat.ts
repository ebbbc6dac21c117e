/**
 * Keeps a host activity heartbeating while it works, so the controller's heartbeat timeout (not the much longer
 * start-to-close timeout) notices a compute worker that died mid-step, and a completion that got lost is retried
 * within seconds. Outside an activity (unit tests of a driver) it simply runs the work.
 */
import { Context } from '@temporalio/activity';

export const HEARTBEAT_EVERY_MS = 5_000;

export async function heartbeating<T>(work: () => Promise<T>): Promise<T> {
  let context: Context | undefined;
  try {
    context = Context.current();
  } catch {
    return work();
  }
  const timer = setInterval(() => context!.heartbeat(), HEARTBEAT_EVERY_MS);
  try {
    context.heartbeat();
    return await work();
  } finally {
    clearInterval(timer);
  }
}
