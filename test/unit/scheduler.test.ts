import { describe, expect, it } from 'vitest';
import { matchesSpec } from '../../activities/control/scheduler/filters/capabilities.ts';
import { FILTERS } from '../../activities/control/scheduler/filters/index.ts';
import { rankHosts } from '../../activities/control/scheduler/select.ts';
import { freeResources, type HostState, type RequestSpec } from '../../activities/control/scheduler/types.ts';
import { normalise } from '../../activities/control/scheduler/weighers/index.ts';

function host(name: string, over: Partial<HostState> = {}): HostState {
  return {
    providerId: name, providerUuid: name, host: name, node: name, availabilityZone: 'nova', up: true, disabled: false,
    hypervisorType: 'fake', hypervisorVersion: 1000, vcpus: 8, memoryMb: 8704, diskGb: 100, vcpusUsed: 0, memoryMbUsed: 0,
    diskGbUsed: 0, cpuAllocationRatio: 4, ramAllocationRatio: 1, diskAllocationRatio: 1, reservedHostMemoryMb: 512,
    instanceCount: 0, failedBuilds: 0, ...over,
  };
}

function spec(over: Partial<RequestSpec> = {}): RequestSpec {
  return {
    instanceUuid: 'i', projectId: 'p', resources: { vcpus: 1, memoryMb: 2048, diskGb: 20 }, flavorExtraSpecs: {},
    imageProperties: {}, ignoreHosts: [], ...over,
  };
}

const names = (hosts: { host: HostState }[]) => hosts.map((r) => r.host.host);

describe('free resources', () => {
  it('applies allocation ratios and the host memory reservation', () => {
    expect(freeResources(host('a', { vcpusUsed: 3, memoryMbUsed: 1000, diskGbUsed: 10 }))).toEqual({ vcpus: 29, memoryMb: 7192, diskGb: 90 });
  });
});

describe('filters', () => {
  it('drop hosts that are down, disabled, full, in another zone, or already failed this build', () => {
    const hosts = [
      host('ok'), host('down', { up: false }), host('off', { disabled: true }), host('full', { memoryMbUsed: 7000 }),
      host('elsewhere', { availabilityZone: 'az2' }), host('failed'),
    ];
    expect(names(rankHosts(hosts, spec({ availabilityZone: 'nova', ignoreHosts: ['failed'] })))).toEqual(['ok']);
  });

  it('keep anti-affinity members apart and affinity members together', () => {
    const hosts = [host('a'), host('b'), host('c')];
    const anti = spec({ group: { uuid: 'g', policy: 'anti-affinity', hosts: ['a', 'b'] } });
    expect(names(rankHosts(hosts, anti))).toEqual(['c']);
    expect(rankHosts(hosts, spec({ group: { uuid: 'g', policy: 'anti-affinity', hosts: ['a', 'b', 'c'] } }))).toEqual([]);
    const withMax = spec({ group: { uuid: 'g', policy: 'anti-affinity', hosts: ['a', 'b', 'c', 'c'], maxServerPerHost: 2 } });
    expect(names(rankHosts(hosts, withMax)).sort()).toEqual(['a', 'b']);
    expect(names(rankHosts(hosts, spec({ group: { uuid: 'g', policy: 'affinity', hosts: ['b'] } })))).toEqual(['b']);
  });

  it('honour same_host and different_host hints', () => {
    const hosts = [host('a'), host('b'), host('c')];
    expect(names(rankHosts(hosts, spec({ sameHostAs: ['b'] })))).toEqual(['b']);
    expect(names(rankHosts(hosts, spec({ differentHostFrom: ['a', 'c'] })))).toEqual(['b']);
  });

  it('match flavor capabilities and image hypervisor types', () => {
    const hosts = [host('big', { memoryMb: 65536 }), host('small')];
    expect(names(rankHosts(hosts, spec({ flavorExtraSpecs: { 'capabilities:memory_mb': '>= 32768' } })))).toEqual(['big']);
    expect(rankHosts(hosts, spec({ imageProperties: { img_hv_type: 'vmware' } }))).toEqual([]);
    expect(rankHosts(hosts, spec({ flavorExtraSpecs: { 'hw:cpu_policy': 'dedicated' } }))).toHaveLength(2);
  });

  it('read Nova’s extra spec operators', () => {
    expect(matchesSpec('fake', 's== fake')).toBe(true);
    expect(matchesSpec(2000, '>= 1000')).toBe(true);
    expect(matchesSpec(500, '>= 1000')).toBe(false);
    expect(matchesSpec('qemu', '<or> kvm <or> qemu')).toBe(true);
  });

  it('are all named', () => {
    expect(FILTERS.map((f) => f.name)).toContain('ServerGroupAntiAffinityFilter');
  });
});

describe('weighers', () => {
  it('normalise to 0..1 and ignore values that cannot tell hosts apart', () => {
    expect(normalise([10, 20, 30])).toEqual([0, 0.5, 1]);
    expect(normalise([5, 5])).toEqual([0, 0]);
  });

  it('spread load: the emptiest host ranks first', () => {
    const hosts = [host('busy', { memoryMbUsed: 4000, vcpusUsed: 10 }), host('idle'), host('half', { memoryMbUsed: 2000, vcpusUsed: 4 })];
    expect(names(rankHosts(hosts, spec()))).toEqual(['idle', 'half', 'busy']);
  });

  it('sink hosts with recent build failures below all others', () => {
    const hosts = [host('flaky', { failedBuilds: 1 }), host('loaded', { memoryMbUsed: 6000, vcpusUsed: 20 })];
    expect(names(rankHosts(hosts, spec()))).toEqual(['loaded', 'flaky']);
  });

  it('pull soft-affinity members together and push soft-anti-affinity members apart', () => {
    const hosts = [host('a'), host('b')];
    expect(names(rankHosts(hosts, spec({ group: { uuid: 'g', policy: 'soft-affinity', hosts: ['b'] } })))[0]).toBe('b');
    expect(names(rankHosts(hosts, spec({ group: { uuid: 'g', policy: 'soft-anti-affinity', hosts: ['a'] } })))[0]).toBe('b');
  });
});
