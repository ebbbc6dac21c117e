/** What the scheduler works on: a request for resources, and the state of each candidate host. */

export interface ResourceRequest {
  vcpus: number;
  memoryMb: number;
  /** root + ephemeral + swap (in GB, swap rounded up), as Nova asks Placement for DISK_GB. */
  diskGb: number;
}

export interface RequestSpec {
  instanceUuid: string;
  projectId: string;
  resources: ResourceRequest;
  flavorExtraSpecs: Record<string, string>;
  imageProperties: Record<string, string>;
  availabilityZone?: string;
  /** Server group the instance joins, with the hosts its members already use. */
  group?: { uuid: string; policy: 'affinity' | 'anti-affinity' | 'soft-affinity' | 'soft-anti-affinity'; hosts: string[]; maxServerPerHost?: number };
  /** Hosts of the instances named by `same_host` / `different_host` hints. */
  sameHostAs?: string[];
  differentHostFrom?: string[];
  /** Hosts tried and failed for this build already (Nova's RetryFilter, now an exclusion). */
  ignoreHosts: string[];
  /** Admin-forced host (2.74 `host`, or `az:host`). */
  requestedHost?: string;
}

export interface HostState {
  providerId: string;
  providerUuid: string;
  host: string;
  node: string;
  availabilityZone: string;
  up: boolean;
  disabled: boolean;
  hypervisorType: string;
  hypervisorVersion: number;
  vcpus: number;
  memoryMb: number;
  diskGb: number;
  vcpusUsed: number;
  memoryMbUsed: number;
  diskGbUsed: number;
  cpuAllocationRatio: number;
  ramAllocationRatio: number;
  diskAllocationRatio: number;
  reservedHostMemoryMb: number;
  /** Instances on the host (consumers of its allocations). */
  instanceCount: number;
  /** Recent build failures on the host, for the build-failure weigher. */
  failedBuilds: number;
}

/** Free capacity after allocation ratios and reservations (may be negative on an over-committed host). */
export function freeResources(h: HostState): ResourceRequest {
  return {
    vcpus: Math.floor(h.vcpus * h.cpuAllocationRatio) - h.vcpusUsed,
    memoryMb: Math.floor(h.memoryMb * h.ramAllocationRatio) - h.reservedHostMemoryMb - h.memoryMbUsed,
    diskGb: Math.floor(h.diskGb * h.diskAllocationRatio) - h.diskGbUsed,
  };
}

/** One scheduler filter: does the host pass for this request? */
export interface HostFilter {
  name: string;
  passes(host: HostState, spec: RequestSpec): boolean;
}

/** One weigher: a raw score per host (higher is better before the multiplier), normalised across hosts by the caller. */
export interface HostWeigher {
  name: string;
  multiplier: number;
  raw(host: HostState, spec: RequestSpec): number;
}
