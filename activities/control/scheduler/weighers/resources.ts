import { freeResources, type HostWeigher } from '../types.ts';

/** RAMWeigher: more free RAM is better (multiplier 1.0: spread). */
export const ramWeigher: HostWeigher = { name: 'RAMWeigher', multiplier: 1.0, raw: (h) => freeResources(h).memoryMb };

/** CPUWeigher: more free vCPUs is better. */
export const cpuWeigher: HostWeigher = { name: 'CPUWeigher', multiplier: 1.0, raw: (h) => freeResources(h).vcpus };

/** DiskWeigher: more free disk is better. */
export const diskWeigher: HostWeigher = { name: 'DiskWeigher', multiplier: 1.0, raw: (h) => freeResources(h).diskGb };
