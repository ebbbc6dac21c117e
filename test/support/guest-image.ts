/**
 * A tiny bootable guest built from Debian packages at test time, for tests that boot real virtual machines:
 *
 * - kernel: the distribution kernel, `vmlinuz` from the package `linux-image-amd64` depends on (fetched with
 *   `apt-get download` and unpacked with `dpkg-deb`), or from /boot when the running system has it with its modules;
 * - initramfs: busybox-static plus the kernel modules a QEMU guest needs (virtio PCI and block, the ACPI power
 *   button and evdev) and an `/init` that prints a marker line to the serial console ttyS0, reports the disks it
 *   sees, lets busybox `acpid` power the guest off on the ACPI power button (so a clean shutdown works), and
 *   sleeps;
 * - disk: an empty qcow2, the image the instance's overlay is backed by.
 *
 * The result is cached in /var/tmp/novaflow-guest-image (NOVAFLOW_GUEST_IMAGE_DIR moves it), keyed by the
 * builder's version, so later runs take milliseconds. Needs root, apt with its lists, busybox-static, cpio, gzip
 * and qemu-img (infra/host-packages.sh installs them).
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);

export const GUEST_MARKER = 'NOVAFLOW-GUEST-UP';
/** Bump when the image's contents change, so cached images are rebuilt. */
const BUILDER_VERSION = 3;
/** Modules the guest loads (with their dependencies, read from each module). */
const WANTED_MODULES = ['virtio_pci', 'virtio_blk', 'button', 'evdev'];

export interface GuestImageSet {
  dir: string;
  kernel: string;
  initramfs: string;
  /** qcow2 */
  disk: string;
  kernelVersion: string;
  marker: string;
  /** sha512 hex of each file, as the image service would record it (`os_hash_value`). */
  sha512: { kernel: string; initramfs: string; disk: string };
  /** Kernel command line for direct kernel boot with the console on the first serial port. */
  cmdline: string;
}

export function guestImageDir(): string {
  return process.env.NOVAFLOW_GUEST_IMAGE_DIR ?? '/var/tmp/novaflow-guest-image';
}

const initScript = (modules: string[]) => `#!/bin/busybox sh
/bin/busybox mkdir -p /proc /sys /dev /tmp /sbin /usr/bin /usr/sbin
/bin/busybox --install -s
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
for m in ${modules.join(' ')}; do insmod /lib/modules/$m.ko 2>/dev/null; done
mkdir -p /etc/acpi/PWRF
printf '#!/bin/sh\\necho "NOVAFLOW-GUEST power button: powering off" > /dev/ttyS0\\npoweroff -f\\n' > /etc/acpi/PWRF/00000080
chmod +x /etc/acpi/PWRF/00000080
acpid -c /etc/acpi -l /tmp/acpid.log
echo "${GUEST_MARKER} kernel $(uname -r) uptime $(cut -d' ' -f1 /proc/uptime)" > /dev/ttyS0
echo "NOVAFLOW-GUEST disks: $(ls /sys/block | tr '\\n' ' ')" > /dev/ttyS0
while true; do sleep 3600; done
`;

async function sha512(file: string): Promise<string> {
  return createHash('sha512').update(await fs.readFile(file)).digest('hex');
}

/** A module's dependencies, from the `depends=` entry of its .modinfo section (NUL-separated strings). */
function modinfoDepends(ko: Buffer): string[] {
  const at = ko.indexOf('\0depends=');
  if (at < 0) return [];
  const end = ko.indexOf(0, at + 1);
  return ko.subarray(at + '\0depends='.length, end).toString('latin1').split(',').filter(Boolean);
}

/** Module files (relative to the modules directory) in load order: each after the modules it depends on. */
async function moduleLoadOrder(modulesDir: string, wanted: string[]): Promise<string[]> {
  const byName = new Map<string, string>();
  for (const entry of await fs.readdir(path.join(modulesDir, 'kernel'), { recursive: true })) {
    const rel = path.join('kernel', String(entry));
    if (rel.endsWith('.ko') || /\.ko\.\w+$/.test(rel)) byName.set(path.basename(rel).replace(/\.ko(\.\w+)?$/, '').replace(/-/g, '_'), rel);
  }
  const order: string[] = [];
  const visit = async (name: string) => {
    const file = byName.get(name.replace(/-/g, '_'));
    if (!file || order.includes(file)) return; // absent: built into the kernel
    for (const dep of modinfoDepends(await fs.readFile(path.join(modulesDir, file)))) await visit(dep);
    order.push(file);
  };
  for (const name of wanted) await visit(name);
  return order;
}

/** The kernel image and its modules directory: from /boot when present, else from the Debian package. */
async function kernelSource(work: string): Promise<{ vmlinuz: string; modulesDir: string; version: string }> {
  const boot = (await fs.readdir('/boot').catch(() => [] as string[])).filter((f) => f.startsWith('vmlinuz-')).sort();
  for (const f of boot.reverse()) {
    const version = f.slice('vmlinuz-'.length);
    const modulesDir = `/lib/modules/${version}`;
    if (await fs.stat(path.join(modulesDir, 'kernel')).then(() => true, () => false)) return { vmlinuz: path.join('/boot', f), modulesDir, version };
  }
  const depends = (await exec('apt-cache', ['depends', 'linux-image-amd64'])).stdout;
  const pkg = /Depends:\s+(linux-image-\d\S*)/.exec(depends)?.[1];
  if (!pkg) throw new Error(`cannot tell which kernel package linux-image-amd64 depends on (run apt-get update?):\n${depends}`);
  const debs = path.join(work, 'debs');
  await fs.mkdir(debs, { recursive: true });
  await fs.chmod(debs, 0o777); // apt-get download drops privileges to _apt when it can
  if (!(await fs.readdir(debs)).some((f) => f.startsWith(`${pkg}_`))) await exec('apt-get', ['download', '-q', pkg], { cwd: debs, maxBuffer: 16 * 1024 * 1024 });
  const deb = (await fs.readdir(debs)).find((f) => f.startsWith(`${pkg}_`) && f.endsWith('.deb'));
  if (!deb) throw new Error(`apt-get download ${pkg} left no .deb in ${debs}`);
  const root = path.join(work, 'kernel-root');
  await fs.rm(root, { recursive: true, force: true });
  await exec('dpkg-deb', ['-x', path.join(debs, deb), root]);
  const vmlinuz = (await fs.readdir(path.join(root, 'boot'))).find((f) => f.startsWith('vmlinuz-'));
  if (!vmlinuz) throw new Error(`${deb} has no /boot/vmlinuz-*`);
  const version = vmlinuz.slice('vmlinuz-'.length);
  const modulesDir = path.join(root, 'lib/modules', version);
  return { vmlinuz: path.join(root, 'boot', vmlinuz), modulesDir, version };
}

/** Builds the guest image set (or returns the cached one). */
export async function buildGuestImage(dir = guestImageDir()): Promise<GuestImageSet> {
  const manifestFile = path.join(dir, 'manifest.json');
  const cached = await fs.readFile(manifestFile, 'utf8').then((t) => JSON.parse(t) as GuestImageSet & { builder: number }, () => undefined);
  if (cached?.builder === BUILDER_VERSION) {
    const present = await Promise.all([cached.kernel, cached.initramfs, cached.disk].map((f) => fs.stat(f).then(() => true, () => false)));
    if (present.every(Boolean)) return cached;
  }

  await fs.mkdir(dir, { recursive: true, mode: 0o755 });
  const work = path.join(dir, 'work');
  await fs.mkdir(work, { recursive: true });
  const src = await kernelSource(work);

  const staging = path.join(work, 'initramfs');
  await fs.rm(staging, { recursive: true, force: true });
  for (const d of ['bin', 'lib/modules', 'etc']) await fs.mkdir(path.join(staging, d), { recursive: true });
  const busybox = '/bin/busybox';
  const { stdout: lddOut, stderr: lddErr } = await exec('ldd', [busybox]).catch((e: { stdout?: string; stderr?: string }) => ({ stdout: e.stdout ?? '', stderr: e.stderr ?? '' }));
  if (!/not a dynamic executable|statically linked/.test(lddOut + lddErr)) throw new Error(`${busybox} is not static; install busybox-static`);
  await fs.copyFile(busybox, path.join(staging, 'bin/busybox'));
  const modules: string[] = [];
  for (const file of await moduleLoadOrder(src.modulesDir, WANTED_MODULES)) {
    if (!file.endsWith('.ko')) throw new Error(`compressed kernel module ${file}: busybox insmod needs plain .ko files`);
    const name = path.basename(file, '.ko');
    await fs.copyFile(path.join(src.modulesDir, file), path.join(staging, 'lib/modules', `${name}.ko`));
    modules.push(name);
  }
  await fs.writeFile(path.join(staging, 'init'), initScript(modules), { mode: 0o755 });

  const kernel = path.join(dir, `vmlinuz-${src.version}`);
  const initramfs = path.join(dir, 'initramfs.gz');
  const disk = path.join(dir, 'disk.qcow2');
  await fs.copyFile(src.vmlinuz, kernel);
  await exec('sh', ['-c', `cd "$1" && find . -print0 | cpio --null -o -H newc --quiet | gzip -9 > "$2"`, 'sh', staging, `${initramfs}.tmp`]);
  await fs.rename(`${initramfs}.tmp`, initramfs);
  await fs.rm(disk, { force: true });
  await exec('qemu-img', ['create', '-q', '-f', 'qcow2', disk, '64M']);

  const set: GuestImageSet = {
    dir,
    kernel,
    initramfs,
    disk,
    kernelVersion: src.version,
    marker: GUEST_MARKER,
    sha512: { kernel: await sha512(kernel), initramfs: await sha512(initramfs), disk: await sha512(disk) },
    cmdline: 'console=ttyS0 panic=-1',
  };
  await fs.writeFile(manifestFile, JSON.stringify({ ...set, builder: BUILDER_VERSION }, null, 2));
  await fs.rm(path.join(work, 'kernel-root'), { recursive: true, force: true });
  await fs.rm(staging, { recursive: true, force: true });
  return set;
}
