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

/** Nova's power states. */
export const PowerState = { NOSTATE: 0, RUNNING: 1, PAUSED: 3, SHUTDOWN: 4, CRASHED: 6, SUSPENDED: 7 } as const;
export type PowerStateValue = (typeof PowerState)[keyof typeof PowerState];

export interface NetworkInterface {
  portId: string;
  mac: string;
  ips: string[];
  networkId: string;
}

/** Everything a host needs to build a guest; sent by the controller in the activity's arguments. */
export interface DomainSpec {
  uuid: string;
  /** `instance-%08x`. */
  name: string;
  vcpus: number;
  memoryMb: number;
  rootGb: number;
  image: { id: string; properties: Record<string, string> };
  interfaces: NetworkInterface[];
  userData: string | null;
  keyData: string | null;
  /** Flavor extra specs and image properties, for drivers that read them (and fake-driver fault injection). */
  extraSpecs: Record<string, string>;
}

export interface DomainState {
  uuid: string;
  name: string;
  powerState: PowerStateValue;
}

/** A build failure on this host that another host might not have: the controller reschedules. */
export class RescheduledBuildError extends Error {
  readonly type = 'RescheduledBuildError';
}

export interface HypervisorDriver {
  readonly name: DriverName;
  hostInfo(): Promise<HostInfo>;
  /** Makes the image available on the host (cache). Idempotent. */
  fetchImage(image: DomainSpec['image']): Promise<void>;
  /** Defines and starts the guest. Idempotent: an existing running guest of the same uuid is success. */
  spawn(spec: DomainSpec): Promise<DomainState>;
  /** Stops and removes the guest and its local disks. A missing guest is not an error. */
  destroy(uuid: string): Promise<void>;
  /** The guest's state, or undefined when the host has no such guest. */
  domainState(uuid: string): Promise<DomainState | undefined>;
  listDomains(): Promise<DomainState[]>;
}
