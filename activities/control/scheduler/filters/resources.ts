import { freeResources, type HostFilter } from '../types.ts';

/** What Placement's allocation candidates guarantee: the request fits the host's free VCPU, RAM and disk. */
export const resourcesFilter: HostFilter = {
  name: 'ResourcesFilter',
  passes: (host, spec) => {
    const free = freeResources(host);
    return free.vcpus >= spec.resources.vcpus && free.memoryMb >= spec.resources.memoryMb && free.diskGb >= spec.resources.diskGb;
  },
};
