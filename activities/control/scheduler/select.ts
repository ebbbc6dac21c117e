/** Filtering and weighing: the ordered list of hosts a request may go to, best first. */
import { FILTERS } from './filters/index.ts';
import type { HostFilter, HostState, RequestSpec } from './types.ts';
import { weigh } from './weighers/index.ts';

export interface Ranked {
  host: HostState;
  weight: number;
}

export function rankHosts(hosts: readonly HostState[], spec: RequestSpec, filters: readonly HostFilter[] = FILTERS): Ranked[] {
  const passing = hosts.filter((h) => filters.every((f) => f.passes(h, spec)));
  const weights = weigh(passing, spec);
  return passing
    .map((host, i) => ({ host, weight: weights[i]! }))
    .sort((a, b) => b.weight - a.weight || a.host.host.localeCompare(b.host.host));
}
