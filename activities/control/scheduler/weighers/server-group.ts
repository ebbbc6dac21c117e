import type { HostWeigher } from '../types.ts';

/** ServerGroupSoftAffinityWeigher: prefer hosts already running members of a soft-affinity group. */
export const softAffinityWeigher: HostWeigher = {
  name: 'ServerGroupSoftAffinityWeigher',
  multiplier: 1.0,
  raw: (h, spec) => (spec.group?.policy === 'soft-affinity' ? spec.group.hosts.filter((x) => x === h.host).length : 0),
};

/** ServerGroupSoftAntiAffinityWeigher: prefer hosts with fewer members of a soft-anti-affinity group. */
export const softAntiAffinityWeigher: HostWeigher = {
  name: 'ServerGroupSoftAntiAffinityWeigher',
  multiplier: 1.0,
  raw: (h, spec) => (spec.group?.policy === 'soft-anti-affinity' ? -spec.group.hosts.filter((x) => x === h.host).length : 0),
};
