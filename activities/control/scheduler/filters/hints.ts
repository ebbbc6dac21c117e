import type { HostFilter } from '../types.ts';

/** SameHostFilter: `same_host` hint — on a host of one of the named instances. */
export const sameHostFilter: HostFilter = {
  name: 'SameHostFilter',
  passes: (host, spec) => spec.sameHostAs === undefined || spec.sameHostAs.includes(host.host),
};

/** DifferentHostFilter: `different_host` hint — on none of the named instances' hosts. */
export const differentHostFilter: HostFilter = {
  name: 'DifferentHostFilter',
  passes: (host, spec) => spec.differentHostFrom === undefined || !spec.differentHostFrom.includes(host.host),
};

/** Hosts where this build already failed are not tried again. */
export const ignoreHostsFilter: HostFilter = {
  name: 'IgnoreHostsFilter',
  passes: (host, spec) => !spec.ignoreHosts.includes(host.host),
};
