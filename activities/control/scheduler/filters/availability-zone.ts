import type { HostFilter } from '../types.ts';

/** The requested availability zone (Nova's AZ prefilter) and an admin-requested host. */
export const availabilityZoneFilter: HostFilter = {
  name: 'AvailabilityZoneFilter',
  passes: (host, spec) =>
    (spec.availabilityZone === undefined || host.availabilityZone === spec.availabilityZone) &&
    (spec.requestedHost === undefined || host.host === spec.requestedHost),
};
