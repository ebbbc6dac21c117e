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

/** The image a guest boots from, as the image service describes it (no secrets: hosts fetch the bytes themselves). */
export interface ImageRef {
  id: string;
  properties: Record<string, string>;
  diskFormat?: string;
  size?: number | null;
  /** sha512 (`os_hash_value`) when known, so a host can check what it downloaded. */
  hash?: string | null;
}

/**
 * A volume from the volume service, attached to the guest as a disk. `connection` is the attachment's
 * connection_info as the volume service returned it (for the embedded service: `{driver_volume_type: 'file', data:
 * {device_path}}`).
 */
export interface VolumeDisk {
  volumeId: string;
  attachmentId: string;
  /** Guest device name, `vda`, `vdb`, ... */
  device: string;
  /** 0 for the root disk of a server booted from a volume, null for extra volumes. */
  bootIndex: number | null;
  connection: { driver_volume_type: string; data: Record<string, unknown> };
}

/** Everything a host needs to build a guest; sent by the controller in the activity's arguments. */
export interface DomainSpec {
  uuid: string;
  /** `instance-%08x`. */
  name: string;
  vcpus: number;
  memoryMb: number;
  rootGb: number;
  /** The boot image; null when the server boots from a volume. */
  image: ImageRef | null;
  /** Volumes in device order; the one with bootIndex 0 is the root disk when `image` is null. */
  volumes: VolumeDisk[];
  configDrive: boolean;
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

export type RebootKind = 'SOFT' | 'HARD';

export interface HypervisorDriver {
  readonly name: DriverName;
  hostInfo(): Promise<HostInfo>;
  /** Makes the image available on the host (cache). Idempotent. */
  fetchImage(image: ImageRef): Promise<void>;
  /**
   * Creates the guest — local disks from the cached image, the definition with its disks and interfaces — without
   * starting it. Idempotent: an existing guest of the same uuid is success. Throws RescheduledBuildError for a
   * failure another host might not have.
   */
  define(spec: DomainSpec): Promise<DomainState>;
  /** Starts a defined guest; one already running is success. */
  start(uuid: string): Promise<DomainState>;
  /** Stops and removes the guest and its local disks. A missing guest is not an error. */
  destroy(uuid: string): Promise<void>;
  /** The guest's state, or undefined when the host has no such guest. */
  domainState(uuid: string): Promise<DomainState | undefined>;
  listDomains(): Promise<DomainState[]>;

  // Power actions. Each is idempotent: asking for the state the guest is already in succeeds.
  powerOff(uuid: string): Promise<DomainState>;
  powerOn(uuid: string): Promise<DomainState>;
  reboot(uuid: string, kind: RebootKind): Promise<DomainState>;
  pause(uuid: string): Promise<DomainState>;
  unpause(uuid: string): Promise<DomainState>;
  /** Saves the guest's memory to disk and stops it (libvirt managed save). */
  suspend(uuid: string): Promise<DomainState>;
  resume(uuid: string): Promise<DomainState>;
  /** The guest's serial console log, the last `lines` lines when given. */
  consoleOutput(uuid: string, lines?: number): Promise<string>;
  /** Hot-plugs a volume; attaching one already attached succeeds. */
  attachVolume(uuid: string, disk: VolumeDisk): Promise<void>;
  /** Removes a volume's disk; a volume not attached is not an error. */
  detachVolume(uuid: string, volumeId: string): Promise<void>;

  // Moves (resize, cold and live migration). Each is idempotent.
  /**
   * Makes the guest on this host match `spec` (a resize or migration finishing here, or a revert back here): a
   * guest already here is resized in place, keeping its disks; one that is not is brought over. Powered on when
   * asked. Throws MoveUnsupportedError when this driver cannot bring the guest's disks over.
   */
  finishMove(spec: DomainSpec, powerOn: boolean): Promise<DomainState>;
  /** Destination side of a live migration: a paused guest waiting for the memory of the running one. */
  prepareIncoming(spec: DomainSpec): Promise<DomainState>;
  /**
   * Source side: copies round `round` (1, 2, ...) of memory to `destHost`; `forceComplete` pauses the guest and
   * finishes. Asking for the same round again repeats it.
   */
  liveMigrationStep(uuid: string, destHost: string, round: number, forceComplete: boolean): Promise<LiveMigrationProgress>;
  /** Destination side, after the last round: the guest runs here (or stays paused when it was paused). */
  finishIncoming(uuid: string, powerState: PowerStateValue): Promise<DomainState>;
}

export interface LiveMigrationProgress {
  done: boolean;
  memoryTotal: number;
  memoryProcessed: number;
  memoryRemaining: number;
}

/** A move this driver cannot make (for example disks between hosts without shared storage): not retried. */
export class MoveUnsupportedError extends Error {
  readonly type = 'MoveUnsupported';
}

/** A guest the host does not have (a power action on it cannot succeed by retrying). */
export class GuestNotFoundError extends Error {
  readonly type = 'GuestNotFound';
  constructor(uuid: string) {
    super(`Instance ${uuid} could not be found on this host.`);
  }
}
