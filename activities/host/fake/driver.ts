/**
 * The fake hypervisor: a simulated host with configurable capacity, for scale work and tests (Nova has the same
 * idea in its fake virt driver). It is a product feature, not a test double: many fit in one process.
 */
import type { HostInfo, HypervisorDriver } from '../driver.ts';

export interface FakeHostCapacity {
  vcpus: number;
  memoryMb: number;
  localGb: number;
}

export class FakeDriver implements HypervisorDriver {
  readonly name = 'fake' as const;

  constructor(
    private readonly host: string,
    private readonly capacity: FakeHostCapacity,
  ) {}

  async hostInfo(): Promise<HostInfo> {
    return {
      host: this.host,
      hypervisorHostname: this.host,
      hypervisorType: 'fake',
      hypervisorVersion: 1000,
      hostIp: '127.0.0.1',
      driver: 'fake',
      ...this.capacity,
    };
  }
}
