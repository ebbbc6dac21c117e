/** The enabled weighers, and Nova's way of combining them: each normalised to 0..1 across hosts, times its multiplier, summed. */
import type { HostState, HostWeigher, RequestSpec } from '../types.ts';
import { buildFailureWeigher } from './build-failure.ts';
import { cpuWeigher, diskWeigher, ramWeigher } from './resources.ts';
import { softAffinityWeigher, softAntiAffinityWeigher } from './server-group.ts';

export const WEIGHERS: readonly HostWeigher[] = [
  ramWeigher,
  cpuWeigher,
  diskWeigher,
  softAffinityWeigher,
  softAntiAffinityWeigher,
  buildFailureWeigher,
];

/** Min–max normalisation; all-equal values weigh 0 (they cannot tell hosts apart). */
export function normalise(values: readonly number[]): number[] {
  if (values.length === 0) return [];
  const min = Math.min(...values);
  const max = Math.max(...values);
  return max === min ? values.map(() => 0) : values.map((v) => (v - min) / (max - min));
}

export function weigh(hosts: readonly HostState[], spec: RequestSpec, weighers: readonly HostWeigher[] = WEIGHERS): number[] {
  const totals = hosts.map(() => 0);
  for (const weigher of weighers) {
    const normalised = normalise(hosts.map((h) => weigher.raw(h, spec)));
    normalised.forEach((n, i) => (totals[i]! += n * weigher.multiplier));
  }
  return totals;
}
