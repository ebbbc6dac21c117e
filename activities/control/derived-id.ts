/**
 * Ids derived from a seed (an instance uuid and what the id is for), in UUID form: a retried activity computes
 * the same id and finds what an earlier attempt made, instead of making a second one.
 */
import { createHash } from 'node:crypto';

export function derivedUuid(seed: string): string {
  const h = createHash('sha1').update(seed).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h.slice(16, 18), 16) & 0x3f) | 0x80).toString(16)}${h.slice(18, 20)}-${h.slice(20, 32)}`;
}
