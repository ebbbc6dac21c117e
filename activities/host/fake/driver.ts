/**
 * The fake hypervisor: a simulated host with configurable capacity and spawn time, for scale work and tests
 * (Nova has the same idea in its fake virt driver). It is a product feature, not a test double: many fit in one
 * process. Its guests are kept in a JSON file per host, so they survive a compute worker restart. Faults can be
 * injected: a host that fails every spawn, or a flavor/image marked to fail on some hosts
 * (`novaflow:fake_fail_spawn_on` = `*` or a comma-separated host list).
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  GuestNotFoundError,
  PowerState,
  RescheduledBuildError,
  type DomainSpec,
  type DomainState,
  type HostInfo,
  type HypervisorDriver,
  type LiveMigrationProgress,
  type PowerStateValue,
  type RebootKind,
  type VolumeDisk,
} from '../driver.ts';

export interface FakeHostCapacity {
  vcpus: number;
  memoryMb: number;
  localGb: number;
}

export interface FakeDriverOptions {
  /** Where the host's guests are kept; in memory only when absent. */
  stateDir?: string;
  spawnMs?: number;
  /** Every spawn on this host fails. */
  failSpawn?: boolean;
  /** How long a live migration's memory copy takes (in five rounds); 1 s when absent. */
  liveMigrationMs?: number;
}

export const FAIL_SPAWN_KEY = 'novaflow:fake_fail_spawn_on';

export class FakeDriver implements HypervisorDriver {
  readonly name = 'fake' as const;
  private domains = new Map<string, FakeDomain>();
  private loaded: Promise<void> | undefined;
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly host: string,
    private readonly capacity: FakeHostCapacity,
    private readonly options: FakeDriverOptions = {},
  ) {}

  private get stateFile(): string | undefined {
    return this.options.stateDir ? path.join(this.options.stateDir, `${this.host}.json`) : undefined;
  }

  private load(): Promise<void> {
    this.loaded ??= (async () => {
      if (!this.stateFile) return;
      const text = await fs.readFile(this.stateFile, 'utf8').catch(() => undefined);
      if (text) for (const d of JSON.parse(text) as FakeDomain[]) this.domains.set(d.uuid, { ...d, volumes: d.volumes ?? [], console: d.console ?? [] });
    })();
    return this.loaded;
  }

  /** Writes are serialised and atomic (temp file + rename), so a crash leaves the old or the new state. */
  private save(): Promise<void> {
    const file = this.stateFile;
    if (!file) return Promise.resolve();
    const snapshot = JSON.stringify([...this.domains.values()]);
    this.writing = this.writing.then(async () => {
      await fs.mkdir(path.dirname(file), { recursive: true });
      await fs.writeFile(`${file}.tmp`, snapshot);
      await fs.rename(`${file}.tmp`, file);
    });
    return this.writing;
  }

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

  async fetchImage(): Promise<void> {}

  async define(spec: DomainSpec): Promise<DomainState> {
    await this.load();
    const existing = this.domains.get(spec.uuid);
    if (existing) return stateOf(existing);
    if (this.failsHere(spec)) {
      throw new RescheduledBuildError(`Build of instance ${spec.uuid} was re-scheduled: injected spawn failure on fake host ${this.host}`);
    }
    const domain: FakeDomain = {
      uuid: spec.uuid,
      name: spec.name,
      powerState: PowerState.SHUTDOWN,
      volumes: spec.volumes.map((v) => v.volumeId),
      console: [],
      vcpus: spec.vcpus,
      memoryMb: spec.memoryMb,
    };
    this.domains.set(spec.uuid, domain);
    await this.save();
    return stateOf(domain);
  }

  /** The first start of a guest takes the host's configured spawn time. */
  async start(uuid: string): Promise<DomainState> {
    await this.load();
    const d = this.domains.get(uuid);
    if (!d) throw new GuestNotFoundError(uuid);
    if (d.powerState === PowerState.RUNNING) return stateOf(d);
    if (this.options.spawnMs && d.console.length === 0) await sleep(this.options.spawnMs);
    if (!this.domains.has(uuid)) throw new GuestNotFoundError(uuid); // destroyed meanwhile
    d.powerState = PowerState.RUNNING;
    d.console.push(`[fake] ${d.name} (${d.uuid}) booted on ${this.host}`);
    await this.save();
    return stateOf(d);
  }

  async destroy(uuid: string): Promise<void> {
    await this.load();
    if (this.domains.delete(uuid)) await this.save();
  }

  async domainState(uuid: string): Promise<DomainState | undefined> {
    await this.load();
    const d = this.domains.get(uuid);
    return d && stateOf(d);
  }

  async listDomains(): Promise<DomainState[]> {
    await this.load();
    return [...this.domains.values()].map(stateOf);
  }

  /** Moves a guest to `to` when it is in one of `from` (or already in `to`); anything else is a driver error. */
  private async transition(uuid: string, from: PowerStateValue[], to: PowerStateValue, line: string): Promise<DomainState> {
    await this.load();
    const d = this.domains.get(uuid);
    if (!d) throw new GuestNotFoundError(uuid);
    if (d.powerState !== to) {
      if (!from.includes(d.powerState)) throw new Error(`fake guest ${uuid} cannot go from power state ${d.powerState} to ${to}`);
      d.powerState = to;
      d.console.push(`[fake] ${line}`);
      await this.save();
    }
    return stateOf(d);
  }

  powerOff(uuid: string): Promise<DomainState> {
    return this.transition(uuid, [PowerState.RUNNING, PowerState.PAUSED, PowerState.SUSPENDED, PowerState.CRASHED], PowerState.SHUTDOWN, 'powered off');
  }
  powerOn(uuid: string): Promise<DomainState> {
    return this.transition(uuid, [PowerState.SHUTDOWN, PowerState.CRASHED, PowerState.NOSTATE], PowerState.RUNNING, 'powered on');
  }
  async reboot(uuid: string, kind: RebootKind): Promise<DomainState> {
    await this.load();
    const d = this.domains.get(uuid);
    if (!d) throw new GuestNotFoundError(uuid);
    if (kind === 'SOFT' && d.powerState !== PowerState.RUNNING) throw new Error(`fake guest ${uuid} is not running; a soft reboot needs a running guest`);
    d.powerState = PowerState.RUNNING;
    d.console.push(`[fake] ${kind === 'SOFT' ? 'soft' : 'hard'} reboot`);
    await this.save();
    return stateOf(d);
  }
  pause(uuid: string): Promise<DomainState> {
    return this.transition(uuid, [PowerState.RUNNING], PowerState.PAUSED, 'paused');
  }
  unpause(uuid: string): Promise<DomainState> {
    return this.transition(uuid, [PowerState.PAUSED], PowerState.RUNNING, 'unpaused');
  }
  suspend(uuid: string): Promise<DomainState> {
    return this.transition(uuid, [PowerState.RUNNING, PowerState.PAUSED], PowerState.SUSPENDED, 'suspended (memory saved)');
  }
  resume(uuid: string): Promise<DomainState> {
    return this.transition(uuid, [PowerState.SUSPENDED], PowerState.RUNNING, 'resumed');
  }

  async consoleOutput(uuid: string, lines?: number): Promise<string> {
    await this.load();
    const d = this.domains.get(uuid);
    if (!d) throw new GuestNotFoundError(uuid);
    const all = d.console;
    return `${(lines === undefined ? all : all.slice(-lines)).join('\n')}\n`;
  }

  async attachVolume(uuid: string, disk: VolumeDisk): Promise<void> {
    await this.load();
    const d = this.domains.get(uuid);
    if (!d) throw new GuestNotFoundError(uuid);
    if (!d.volumes.includes(disk.volumeId)) {
      d.volumes.push(disk.volumeId);
      d.console.push(`[fake] disk ${disk.device} attached (volume ${disk.volumeId})`);
      await this.save();
    }
  }

  async detachVolume(uuid: string, volumeId: string): Promise<void> {
    await this.load();
    const d = this.domains.get(uuid);
    if (!d || !d.volumes.includes(volumeId)) return;
    d.volumes = d.volumes.filter((v) => v !== volumeId);
    d.console.push(`[fake] volume ${volumeId} detached`);
    await this.save();
  }

  /**
   * Fault injection: the guest changes power state by itself, as a guest that shuts down from inside or crashes
   * does; the power-state sync is what notices.
   */
  async setGuestPowerState(uuid: string, powerState: PowerStateValue): Promise<void> {
    await this.load();
    const d = this.domains.get(uuid);
    if (!d) throw new GuestNotFoundError(uuid);
    d.powerState = powerState;
    d.console.push(`[fake] power state ${powerState} (outside Novaflow)`);
    await this.save();
  }

  private failsHere(spec: DomainSpec): boolean {
    const failOn = spec.extraSpecs[FAIL_SPAWN_KEY]?.split(',').map((h) => h.trim());
    return Boolean(this.options.failSpawn || failOn?.includes('*') || failOn?.includes(this.host));
  }

  async finishMove(spec: DomainSpec, powerOn: boolean): Promise<DomainState> {
    await this.load();
    if (this.failsHere(spec)) throw new Error(`injected failure finishing the move of ${spec.uuid} on fake host ${this.host}`);
    let d = this.domains.get(spec.uuid);
    if (!d) {
      d = { uuid: spec.uuid, name: spec.name, powerState: PowerState.SHUTDOWN, volumes: [], console: [`[fake] ${spec.name} moved to ${this.host}`] };
      this.domains.set(spec.uuid, d);
    }
    if (d.vcpus !== spec.vcpus || d.memoryMb !== spec.memoryMb) d.console.push(`[fake] resized to ${spec.vcpus} vcpus, ${spec.memoryMb} MB`);
    d.vcpus = spec.vcpus;
    d.memoryMb = spec.memoryMb;
    d.volumes = spec.volumes.map((v) => v.volumeId);
    d.incoming = undefined;
    d.powerState = powerOn ? PowerState.RUNNING : PowerState.SHUTDOWN;
    await this.save();
    return stateOf(d);
  }

  async prepareIncoming(spec: DomainSpec): Promise<DomainState> {
    await this.load();
    const existing = this.domains.get(spec.uuid);
    if (existing) return stateOf(existing);
    if (this.failsHere(spec)) throw new Error(`injected failure preparing live migration of ${spec.uuid} on fake host ${this.host}`);
    const d: FakeDomain = {
      uuid: spec.uuid, name: spec.name, powerState: PowerState.PAUSED, volumes: spec.volumes.map((v) => v.volumeId),
      console: [`[fake] ${spec.name} waiting for live migration on ${this.host}`], vcpus: spec.vcpus, memoryMb: spec.memoryMb, incoming: true,
    };
    this.domains.set(spec.uuid, d);
    await this.save();
    return stateOf(d);
  }

  /** Five rounds of memory copying, each a fifth of the configured time; a forced completion ends at once. */
  async liveMigrationStep(uuid: string, destHost: string, round: number, forceComplete: boolean): Promise<LiveMigrationProgress> {
    await this.load();
    const d = this.domains.get(uuid);
    if (!d) throw new GuestNotFoundError(uuid);
    const total = (d.memoryMb ?? 512) * 1024 * 1024;
    const rounds = 5;
    const done = forceComplete ? rounds : Math.min(rounds, round);
    if (!forceComplete) await sleep((this.options.liveMigrationMs ?? 1000) / rounds);
    const processed = Math.round((total * done) / rounds);
    if (done === rounds) {
      d.console.push(`[fake] live-migrated to ${destHost}${forceComplete ? ' (forced to complete)' : ''}`);
      await this.save();
    }
    return { done: done === rounds, memoryTotal: total, memoryProcessed: processed, memoryRemaining: total - processed };
  }

  async finishIncoming(uuid: string, powerState: PowerStateValue): Promise<DomainState> {
    await this.load();
    const d = this.domains.get(uuid);
    if (!d) throw new GuestNotFoundError(uuid);
    d.incoming = undefined;
    d.powerState = powerState;
    await this.save();
    return stateOf(d);
  }

  /** A guest's size as last defined (for tests). */
  async guestSize(uuid: string): Promise<{ vcpus?: number; memoryMb?: number } | undefined> {
    await this.load();
    const d = this.domains.get(uuid);
    return d && { vcpus: d.vcpus, memoryMb: d.memoryMb };
  }

  /** The volumes a guest has attached (for tests). */
  async guestVolumes(uuid: string): Promise<string[]> {
    await this.load();
    return [...(this.domains.get(uuid)?.volumes ?? [])];
  }
}

interface FakeDomain extends DomainState {
  volumes: string[];
  console: string[];
  vcpus?: number;
  memoryMb?: number;
  /** A live migration's destination guest, not yet running. */
  incoming?: boolean;
}

function stateOf(d: FakeDomain): DomainState {
  return { uuid: d.uuid, name: d.name, powerState: d.powerState };
}
