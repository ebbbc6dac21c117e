/** Polls `probe` until it returns a value (not undefined), or fails naming `what` after `timeoutMs`. */
import { setTimeout as sleep } from 'node:timers/promises';

export async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000, everyMs = 50): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() - t0 > timeoutMs) throw new Error(`gave up waiting for ${what}`);
    await sleep(everyMs);
  }
}
