/**
 * How the driver talks to libvirt: the `virsh` client from libvirt-clients, run with `execFile` (no shell, every
 * argument passed as is), with `-c <uri>` on every call and `LC_ALL=C` so the output is parseable. Only commands
 * with line-structured output are parsed (`domstate`, `dominfo`, `nodeinfo`, `version`, `list --uuid`) and domain
 * XML is read with the XML parser (`dumpxml`).
 *
 * Why virsh and not a Node binding: the only Node libvirt binding on npm (@unraid/libvirt, a fork of
 * vmngr/libvirt) is a native addon with a few hundred weekly downloads that must compile against libvirt-dev on
 * every compute host; virsh is libvirt's own, versioned with the daemon, installed by the same Debian package
 * set as the daemon, and stable in its output. A process per call costs milliseconds, nothing next to a guest boot.
 */
import { execFile } from 'node:child_process';

export class VirshError extends Error {
  constructor(
    readonly args: string[],
    readonly stderr: string,
    readonly exitCode: number | string | null,
  ) {
    super(`virsh ${args.join(' ')} failed: ${stderr.trim() || `exit ${String(exitCode)}`}`);
  }

  /** libvirt has no such domain. */
  get domainNotFound(): boolean {
    return /Domain not found|failed to get domain/i.test(this.stderr);
  }
}

/** `Key:   value` lines → record (dominfo, nodeinfo, version). */
export function parseKeyValues(output: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of output.split('\n')) {
    const i = line.indexOf(':');
    if (i > 0) out[line.slice(0, i).trim()] = line.slice(i + 1).trim();
  }
  return out;
}

export interface DomInfo {
  uuid: string;
  name: string;
  /** virsh's state words: `running`, `idle`, `paused`, `in shutdown`, `shut off`, `crashed`, `pmsuspended`, `no state`. */
  state: string;
  managedSave: boolean;
}

export function parseDomInfo(output: string): DomInfo {
  const kv = parseKeyValues(output);
  return { uuid: kv.UUID ?? '', name: kv.Name ?? '', state: kv.State ?? 'no state', managedSave: kv['Managed save'] === 'yes' };
}

export interface NodeInfo {
  cpus: number;
  memoryKib: number;
}

export function parseNodeInfo(output: string): NodeInfo {
  const kv = parseKeyValues(output);
  return { cpus: Number(kv['CPU(s)'] ?? 0), memoryKib: Number((kv['Memory size'] ?? '0').split(/\s+/)[0]) };
}

export interface HypervisorVersion {
  /** e.g. `QEMU`. */
  type: string;
  /** e.g. `7.2.22`. */
  version: string;
}

/** From `virsh version`: the line `Running hypervisor: QEMU 7.2.22`. */
export function parseVersion(output: string): HypervisorVersion {
  const running = parseKeyValues(output)['Running hypervisor'] ?? '';
  const [type = '', version = '0.0.0'] = running.split(/\s+/);
  return { type, version };
}

/** Nova's integer form of a version: major * 1_000_000 + minor * 1_000 + patch. */
export function versionToInt(version: string): number {
  const [major = 0, minor = 0, patch = 0] = version.split('.').map((p) => Number.parseInt(p, 10) || 0);
  return major * 1_000_000 + minor * 1_000 + patch;
}

export class Virsh {
  constructor(
    readonly uri: string,
    private readonly timeoutMs = 300_000,
  ) {}

  run(args: string[]): Promise<string> {
    const full = ['-c', this.uri, ...args];
    return new Promise((resolve, reject) => {
      execFile('virsh', full, { timeout: this.timeoutMs, maxBuffer: 16 * 1024 * 1024, env: { ...process.env, LC_ALL: 'C' } }, (err, stdout, stderr) => {
        if (err) reject(new VirshError(full, String(stderr || err.message), (err as { code?: number | string }).code ?? null));
        else resolve(String(stdout));
      });
    });
  }

  /** The domain's info, or undefined when libvirt has no such domain. */
  async dominfo(domain: string): Promise<DomInfo | undefined> {
    try {
      return parseDomInfo(await this.run(['dominfo', domain]));
    } catch (err) {
      if (err instanceof VirshError && err.domainNotFound) return undefined;
      throw err;
    }
  }

  async dumpxml(domain: string, inactive = false): Promise<string> {
    return this.run(['dumpxml', ...(inactive ? ['--inactive'] : []), domain]);
  }

  /** UUIDs of every domain, running or not. */
  async listUuids(): Promise<string[]> {
    return (await this.run(['list', '--all', '--uuid'])).split('\n').map((l) => l.trim()).filter(Boolean);
  }

  async nodeinfo(): Promise<NodeInfo> {
    return parseNodeInfo(await this.run(['nodeinfo']));
  }

  async version(): Promise<HypervisorVersion> {
    return parseVersion(await this.run(['version']));
  }

  async hostname(): Promise<string> {
    return (await this.run(['hostname'])).trim();
  }
}
