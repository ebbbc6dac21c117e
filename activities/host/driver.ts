/**
 * The port every hypervisor driver implements. Host-side activities call only this; they never reach the
 * database (a compute host holds no database credentials, as nova-compute behind nova-conductor).
 */
export type DriverName = 'fake' | 'libvirt';

/** What a host offers, as reported to the controller with every heartbeat. */
export interface HostInfo {
  host: string;
  hypervisorHostname: string;
  hypervisorType: string;
  /** Nova's integer form: major * 1_000_000 + minor * 1_000 + patch. */
  hypervisorVersion: number;
  hostIp: string;
  vcpus: number;
  memoryMb: number;
  localGb: number;
  driver: DriverName;
}

export interface HypervisorDriver {
  readonly name: DriverName;
  hostInfo(): Promise<HostInfo>;
}
