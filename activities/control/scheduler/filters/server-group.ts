import type { HostFilter } from '../types.ts';

/** ServerGroupAffinityFilter: members of an affinity group share the host the group already uses. */
export const affinityFilter: HostFilter = {
  name: 'ServerGroupAffinityFilter',
  passes: (host, spec) => spec.group?.policy !== 'affinity' || spec.group.hosts.length === 0 || spec.group.hosts.includes(host.host),
};

/** ServerGroupAntiAffinityFilter: members of an anti-affinity group never share a host (or at most max_server_per_host). */
export const antiAffinityFilter: HostFilter = {
  name: 'ServerGroupAntiAffinityFilter',
  passes: (host, spec) => {
    if (spec.group?.policy !== 'anti-affinity') return true;
    const already = spec.group.hosts.filter((h) => h === host.host).length;
    return already < (spec.group.maxServerPerHost ?? 1);
  },
};
