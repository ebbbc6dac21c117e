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
import { PowerState, RescheduledBuildError, type DomainSpec, type DomainState, type HostInfo, type HypervisorDriver } from '../driver.ts';

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
}

export const FAIL_SPAWN_KEY = 'novaflow:fake_fail_spawn_on';

export class FakeDriver implements HypervisorDriver {
  readonly name = 'fake' as const;
  private domains = new Map<string, DomainState>();
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
      if (text) for (const d of JSON.parse(text) as DomainState[]) this.domains.set(d.uuid, d);
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

  async spawn(spec: DomainSpec): Promise<DomainState> {
    await this.load();
    const existing = this.domains.get(spec.uuid);
    if (existing) return existing;
    const failOn = spec.extraSpecs[FAIL_SPAWN_KEY]?.split(',').map((h) => h.trim());
    if (this.options.failSpawn || failOn?.includes('*') || failOn?.includes(this.host)) {
      throw new RescheduledBuildError(`Build of instance ${spec.uuid} was re-scheduled: injected spawn failure on fake host ${this.host}`);
    }
    if (this.options.spawnMs) await sleep(this.options.spawnMs);
    const domain: DomainState = { uuid: spec.uuid, name: spec.name, powerState: PowerState.RUNNING };
    this.domains.set(spec.uuid, domain);
    await this.save();
    return domain;
  }

  async destroy(uuid: string): Promise<void> {
    await this.load();
    if (this.domains.delete(uuid)) await this.save();
  }

  async domainState(uuid: string): Promise<DomainState | undefined> {
    await this.load();
    return this.domains.get(uuid);
  }

  async listDomains(): Promise<DomainState[]> {
    await this.load();
    return [...this.domains.values()];
  }
}
