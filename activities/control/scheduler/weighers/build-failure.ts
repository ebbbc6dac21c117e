import type { HostWeigher } from '../types.ts';

/** BuildFailureWeigher: hosts that recently failed builds sink to the bottom (multiplier 1e6). */
export const buildFailureWeigher: HostWeigher = {
  name: 'BuildFailureWeigher',
  multiplier: 1_000_000,
  raw: (h) => -h.failedBuilds,
};
