/**
 * The libvirt hypervisor driver: real QEMU guests through libvirt (`qemu:///system` by default), behind the same
 * port as the fake driver. Layout on the host, as Nova's libvirt driver lays it out:
 *
 *   <instancesPath>/_base/<image id>          cached image bytes (+ `.info.json`: format, virtual size)
 *   <instancesPath>/<uuid>/disk               qcow2 overlay backed by the cached base
 *   <instancesPath>/<uuid>/kernel, ramdisk    copies of the kernel/ramdisk images (direct kernel boot)
 *   <instancesPath>/<uuid>/disk.config        config drive ISO (when asked)
 *   <instancesPath>/<uuid>/console.log        serial console log (written by virtlogd)
 *   <instancesPath>/<uuid>/libvirt.xml        the definition as last defined
 *
 * Every operation on one guest is serialised in this process (a lock per uuid), and each is idempotent: asking
 * for the state the guest is already in succeeds. libvirt states map to Nova power states in `power-state.ts`.
 */
import { constants as fsConstants } from 'node:fs';
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
  type ImageRef,
  type LiveMigrationProgress,
  type PowerStateValue,
  type RebootKind,
  type VolumeDisk,
} from '../driver.ts';
import { makeConfigDrive } from './config-drive.ts';
import { consoleTail } from './console-log.ts';
import { CommandError, run } from './exec.ts';
import { ImageCache } from './image-cache.ts';
import { ImageFetchError, type ImageFetcher } from './image-fetcher.ts';
import { ensureBridge } from './network.ts';
import { stateOf } from './power-state.ts';
import { liveMigrationUnsupported, resizeInPlace } from './resize.ts';
import { Virsh, VirshError, versionToInt, type DomInfo } from './virsh.ts';
import { buildDomain, DEFAULT_BUILD_SETTINGS, instancePaths, kernelBoot, UnsupportedHardwareError, volumeDisk, type BuildSettings, type InstancePaths } from './xml/build.ts';
import { parseDomainXml } from './xml/parse.ts';
import { renderDiskXml, renderDomainXml } from './xml/render.ts';

export interface LibvirtDriverOptions {
  /** The compute host's name (its task queue is `compute.<host>`). */
  host: string;
  /** libvirt connection URI. */
  uri?: string;
  /** Where instance directories and the image cache live (Nova's `instances_path`). */
  instancesPath: string;
  imageFetcher: ImageFetcher;
  /** Domain type, machine type, VNC address, disk cache mode. */
  build?: Partial<BuildSettings>;
  hostIp?: string;
  /** Reported hypervisor hostname; libvirt's (`virsh hostname`) when absent. */
  hypervisorHostname?: string;
  /** How long a clean (ACPI) shutdown may take before the guest is destroyed; Nova's `shutdown_timeout`, 60 s. */
  shutdownTimeoutSeconds?: number;
  /** How long a hot-unplugged disk may take to leave the guest. */
  detachTimeoutSeconds?: number;
  /** Creates the host bridge of a network (injectable so tests can run without `ip link`). */
  ensureBridge?: (networkId: string) => Promise<string>;
}

const UUID = /^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$/;

export class LibvirtDriver implements HypervisorDriver {
  readonly name = 'libvirt' as const;
  readonly virsh: Virsh;
  readonly images: ImageCache;
  private readonly settings: BuildSettings;
  private readonly locks = new Map<string, Promise<unknown>>();
  private readonly bridge: (networkId: string) => Promise<string>;

  constructor(private readonly options: LibvirtDriverOptions) {
    this.virsh = new Virsh(options.uri ?? 'qemu:///system');
    this.images = new ImageCache(path.join(options.instancesPath, '_base'), options.imageFetcher);
    this.settings = { ...DEFAULT_BUILD_SETTINGS, ...options.build };
    this.bridge = options.ensureBridge ?? ensureBridge;
  }

  paths(uuid: string): InstancePaths {
    if (!UUID.test(uuid)) throw new Error(`invalid instance uuid ${JSON.stringify(uuid)}`);
    return instancePaths(this.options.instancesPath, uuid);
  }

  /** Runs `step` after every earlier operation on the same guest has ended. */
  private withLock<T>(uuid: string, step: () => Promise<T>): Promise<T> {
    const previous = this.locks.get(uuid) ?? Promise.resolve();
    const next = previous.then(step, step);
    const settled = next.catch(() => undefined);
    this.locks.set(uuid, settled);
    void settled.then(() => {
      if (this.locks.get(uuid) === settled) this.locks.delete(uuid);
    });
    return next;
  }

  private async info(uuid: string): Promise<DomInfo> {
    this.paths(uuid);
    const info = await this.virsh.dominfo(uuid);
    if (!info) throw new GuestNotFoundError(uuid);
    return info;
  }

  private async current(uuid: string): Promise<DomainState> {
    return stateOf(await this.info(uuid));
  }

  async hostInfo(): Promise<HostInfo> {
    await fs.mkdir(this.options.instancesPath, { recursive: true, mode: 0o755 });
    const [node, version, hostname, disk] = await Promise.all([
      this.virsh.nodeinfo(),
      this.virsh.version(),
      this.options.hypervisorHostname ?? this.virsh.hostname(),
      fs.statfs(this.options.instancesPath),
    ]);
    return {
      host: this.options.host,
      hypervisorHostname: hostname,
      hypervisorType: version.type || 'QEMU',
      hypervisorVersion: versionToInt(version.version),
      hostIp: this.options.hostIp ?? '127.0.0.1',
      vcpus: node.cpus,
      memoryMb: Math.floor(node.memoryKib / 1024),
      localGb: Math.floor((disk.blocks * disk.bsize) / 1024 ** 3),
      driver: 'libvirt',
    };
  }

  /** Caches the boot image and, for direct kernel boot, its kernel and ramdisk images. */
  async fetchImage(image: ImageRef): Promise<void> {
    await this.cacheImages(image);
  }

  private async cacheImages(image: ImageRef) {
    const kernel = kernelBoot(image);
    const [disk, kernelFile, ramdiskFile] = await Promise.all([
      this.images.ensure(image, 'disk'),
      kernel ? this.images.ensure({ id: kernel.kernelId, properties: {} }, 'file') : undefined,
      kernel?.ramdiskId ? this.images.ensure({ id: kernel.ramdiskId, properties: {} }, 'file') : undefined,
    ]);
    return { disk, kernelFile, ramdiskFile };
  }

  async define(spec: DomainSpec): Promise<DomainState> {
    const paths = this.paths(spec.uuid);
    return this.withLock(spec.uuid, async () => {
      const existing = await this.virsh.dominfo(spec.uuid);
      if (existing) return stateOf(existing);
      try {
        await fs.mkdir(paths.dir, { recursive: true, mode: 0o755 });
        if (spec.image) {
          const { disk, kernelFile, ramdiskFile } = await this.cacheImages(spec.image);
          const rootBytes = spec.rootGb * 1024 ** 3;
          if (spec.rootGb > 0 && rootBytes < disk.virtualSize) {
            throw new UnsupportedHardwareError(`Flavor's disk is too small for requested image. Flavor disk is ${rootBytes} bytes, image is ${disk.virtualSize} bytes.`);
          }
          await run('qemu-img', ['create', '-q', '-f', 'qcow2', '-F', disk.format, '-b', disk.path, paths.rootDisk, ...(spec.rootGb > 0 ? [`${spec.rootGb}G`] : [])]);
          if (kernelFile) await fs.copyFile(kernelFile.path, paths.kernel, fsConstants.COPYFILE_FICLONE);
          if (ramdiskFile) await fs.copyFile(ramdiskFile.path, paths.ramdisk, fsConstants.COPYFILE_FICLONE);
        }
        if (spec.configDrive) await makeConfigDrive(spec, paths.configDrive);
        for (const networkId of new Set(spec.interfaces.map((i) => i.networkId))) await this.bridge(networkId);
        const xml = renderDomainXml(buildDomain(spec, this.settings, paths));
        await fs.writeFile(paths.definition, xml);
        await this.virsh.run(['define', paths.definition]);
      } catch (err) {
        if (!(await this.virsh.dominfo(spec.uuid).catch(() => undefined))) await fs.rm(paths.dir, { recursive: true, force: true });
        // The same on every host: the image or flavor is at fault, not this host.
        if (err instanceof UnsupportedHardwareError || err instanceof ImageFetchError) throw err;
        if (err instanceof CommandError || err instanceof VirshError || (err as NodeJS.ErrnoException).code) {
          throw new RescheduledBuildError(`Build of instance ${spec.uuid} was re-scheduled: ${(err as Error).message}`);
        }
        throw err;
      }
      return this.current(spec.uuid);
    });
  }

  async start(uuid: string): Promise<DomainState> {
    return this.withLock(uuid, async () => {
      const info = await this.info(uuid);
      if (info.state === 'running' || info.state === 'idle') return stateOf(info);
      try {
        await this.virsh.run([info.state === 'paused' ? 'resume' : 'start', uuid]);
      } catch (err) {
        if (err instanceof VirshError) throw new RescheduledBuildError(`Build of instance ${uuid} was re-scheduled: ${err.message}`);
        throw err;
      }
      return this.current(uuid);
    });
  }

  /** Stops the domain, removes its definition with any managed save, then its directory (overlay, console log). */
  async destroy(uuid: string): Promise<void> {
    const paths = this.paths(uuid);
    await this.withLock(uuid, async () => {
      const info = await this.virsh.dominfo(uuid);
      if (info) {
        if (info.state !== 'shut off') await this.ignoring(['domain is not running', 'Domain not found'], ['destroy', uuid]);
        await this.ignoring(['Domain not found', 'failed to get domain'], ['undefine', '--managed-save', uuid]);
      }
      await fs.rm(paths.dir, { recursive: true, force: true });
    });
  }

  /** A virsh call whose failure with one of the given messages means the wanted state is already there. */
  private async ignoring(messages: string[], args: string[]): Promise<void> {
    try {
      await this.virsh.run(args);
    } catch (err) {
      if (!(err instanceof VirshError && messages.some((m) => err.stderr.includes(m)))) throw err;
    }
  }

  async domainState(uuid: string): Promise<DomainState | undefined> {
    this.paths(uuid);
    const info = await this.virsh.dominfo(uuid);
    return info && stateOf(info);
  }

  async listDomains(): Promise<DomainState[]> {
    const states = await Promise.all((await this.virsh.listUuids()).map((u) => this.virsh.dominfo(u)));
    return states.filter((s): s is DomInfo => s !== undefined).map(stateOf);
  }

  /** Waits until the domain is shut off; whether it got there within the time. */
  private async waitShutOff(uuid: string, seconds: number): Promise<boolean> {
    const deadline = Date.now() + seconds * 1000;
    for (;;) {
      if ((await this.info(uuid)).state === 'shut off') return true;
      if (Date.now() >= deadline) return false;
      await sleep(500);
    }
  }

  /** A clean shutdown (ACPI power button), and the plug pulled when the guest does not stop in time (Nova's). */
  private async shutDown(uuid: string): Promise<void> {
    const info = await this.info(uuid);
    if (info.state === 'shut off') return;
    if (info.state === 'running' || info.state === 'idle') {
      await this.ignoring(['domain is not running'], ['shutdown', uuid]);
      if (await this.waitShutOff(uuid, this.options.shutdownTimeoutSeconds ?? 60)) return;
    }
    await this.ignoring(['domain is not running'], ['destroy', uuid]);
  }

  powerOff(uuid: string): Promise<DomainState> {
    return this.withLock(uuid, async () => {
      const info = await this.info(uuid);
      // A suspended guest powered off loses its saved memory: it boots afresh next time.
      if (info.state === 'shut off' && info.managedSave) await this.virsh.run(['managedsave-remove', uuid]);
      await this.shutDown(uuid);
      return this.current(uuid);
    });
  }

  powerOn(uuid: string): Promise<DomainState> {
    return this.withLock(uuid, async () => {
      const info = await this.info(uuid);
      if (info.state === 'running' || info.state === 'idle') return stateOf(info);
      if (info.state === 'paused') await this.virsh.run(['resume', uuid]);
      else {
        if (info.state !== 'shut off') await this.ignoring(['domain is not running'], ['destroy', uuid]);
        await this.virsh.run(['start', uuid]);
      }
      return this.current(uuid);
    });
  }

  /**
   * SOFT: a clean shutdown and a fresh start (Nova's soft reboot); a guest that does not stop in time is rebooted
   * hard. HARD: the plug pulled, any managed save dropped, and a fresh start.
   */
  reboot(uuid: string, kind: RebootKind): Promise<DomainState> {
    return this.withLock(uuid, async () => {
      const info = await this.info(uuid);
      if (kind === 'SOFT') {
        if (info.state !== 'running' && info.state !== 'idle') throw new Error(`guest ${uuid} is ${info.state}; a soft reboot needs a running guest`);
        await this.ignoring(['domain is not running'], ['shutdown', uuid]);
        if (!(await this.waitShutOff(uuid, this.options.shutdownTimeoutSeconds ?? 60))) await this.ignoring(['domain is not running'], ['destroy', uuid]);
      } else {
        if (info.state !== 'shut off') await this.ignoring(['domain is not running'], ['destroy', uuid]);
        if ((await this.info(uuid)).managedSave) await this.virsh.run(['managedsave-remove', uuid]);
      }
      await this.virsh.run(['start', uuid]);
      return this.current(uuid);
    });
  }

  /** Moves the guest with `args` when it is in one of `from`; already in `to` is success; else a driver error. */
  private transition(uuid: string, verb: string, from: PowerStateValue[], to: PowerStateValue, args: string[]): Promise<DomainState> {
    return this.withLock(uuid, async () => {
      const state = await this.current(uuid);
      if (state.powerState === to) return state;
      if (!from.includes(state.powerState)) throw new Error(`cannot ${verb} guest ${uuid} in power state ${state.powerState}`);
      await this.virsh.run([...args, uuid]);
      return this.current(uuid);
    });
  }

  pause(uuid: string): Promise<DomainState> {
    return this.transition(uuid, 'pause', [PowerState.RUNNING], PowerState.PAUSED, ['suspend']);
  }
  unpause(uuid: string): Promise<DomainState> {
    return this.transition(uuid, 'unpause', [PowerState.PAUSED], PowerState.RUNNING, ['resume']);
  }
  /** libvirt managed save: memory to disk, domain shut off; the next start restores it (running). */
  suspend(uuid: string): Promise<DomainState> {
    return this.transition(uuid, 'suspend', [PowerState.RUNNING, PowerState.PAUSED], PowerState.SUSPENDED, ['managedsave', '--running']);
  }
  resume(uuid: string): Promise<DomainState> {
    return this.transition(uuid, 'resume', [PowerState.SUSPENDED], PowerState.RUNNING, ['start']);
  }

  finishMove(spec: DomainSpec, powerOn: boolean): Promise<DomainState> {
    const ctx = { virsh: this.virsh, settings: this.settings, paths: this.paths(spec.uuid), bridge: this.bridge, shutDown: () => this.shutDown(spec.uuid) };
    return this.withLock(spec.uuid, async () => (await resizeInPlace(ctx, spec, powerOn), this.current(spec.uuid)));
  }
  // Live migration between libvirt hosts is not offered (resize.ts says why).
  prepareIncoming = (spec: DomainSpec): Promise<DomainState> => liveMigrationUnsupported(spec.uuid);
  liveMigrationStep = (uuid: string): Promise<LiveMigrationProgress> => liveMigrationUnsupported(uuid);
  finishIncoming = (uuid: string): Promise<DomainState> => liveMigrationUnsupported(uuid);
  /** The serial console log (its last 100 KiB), found through the domain's definition. */
  async consoleOutput(uuid: string, lines?: number): Promise<string> {
    await this.info(uuid);
    const file = parseDomainXml(await this.virsh.dumpxml(uuid)).serial?.logFile ?? this.paths(uuid).consoleLog;
    return consoleTail(file, lines);
  }

  /** Flags for a device change: the live guest too when it runs, the persistent definition always. */
  private static deviceFlags(info: DomInfo): string[] {
    return info.state === 'shut off' ? ['--config'] : ['--live', '--config'];
  }

  async attachVolume(uuid: string, disk: VolumeDisk): Promise<void> {
    await this.withLock(uuid, async () => {
      const info = await this.info(uuid);
      const domain = parseDomainXml(await this.virsh.dumpxml(uuid, info.state === 'shut off'));
      if (domain.disks.some((d) => d.serial === disk.volumeId)) return;
      const clash = domain.disks.find((d) => d.target.dev === disk.device);
      if (clash) throw new Error(`guest ${uuid} already has a disk ${disk.device} (${clash.source})`);
      const file = path.join(this.paths(uuid).dir, `volume-${disk.volumeId}.xml`);
      await fs.writeFile(file, renderDiskXml(volumeDisk(disk, this.settings.diskCache)));
      try {
        await this.virsh.run(['attach-device', uuid, file, ...LibvirtDriver.deviceFlags(info)]);
      } finally {
        await fs.rm(file, { force: true });
      }
    });
  }

  /** Unplugs the volume's disk from the running guest (waiting for the guest to let go) and from the definition. */
  async detachVolume(uuid: string, volumeId: string): Promise<void> {
    await this.withLock(uuid, async () => {
      const info = await this.virsh.dominfo(uuid);
      if (!info) return;
      const dir = this.paths(uuid).dir;
      const find = async (inactive: boolean) => parseDomainXml(await this.virsh.dumpxml(uuid, inactive)).disks.find((d) => d.serial === volumeId);
      const detach = async (disk: NonNullable<Awaited<ReturnType<typeof find>>>, flag: string) => {
        const file = path.join(dir, `volume-${volumeId}.xml`);
        await fs.writeFile(file, renderDiskXml(disk));
        try {
          await this.virsh.run(['detach-device', uuid, file, flag]);
        } finally {
          await fs.rm(file, { force: true });
        }
      };
      const persistent = await find(true);
      if (persistent) await detach(persistent, '--config');
      if (info.state === 'shut off') return;
      const live = await find(false);
      if (!live) return;
      await detach(live, '--live');
      const deadline = Date.now() + (this.options.detachTimeoutSeconds ?? 60) * 1000;
      while (await find(false)) {
        if (Date.now() >= deadline) throw new Error(`volume ${volumeId} did not leave guest ${uuid} within the detach timeout`);
        await sleep(500);
      }
    });
  }
}
