import type { HostFilter } from '../types.ts';

/** ComputeFilter: the host's compute service is up and enabled. */
export const computeFilter: HostFilter = {
  name: 'ComputeFilter',
  passes: (host) => host.up && !host.disabled,
};
