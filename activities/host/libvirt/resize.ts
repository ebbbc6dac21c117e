/**
 * Resizing a libvirt guest in place: the resize (or the revert of one) finishing on the host that already has the
 * guest's disks. The guest is off (the move's first step powered it off); its overlay grows to the new root size
 * (never shrinks: the API refuses a smaller disk) and the definition is rendered again with the new vcpus and
 * memory, from the same typed builder a spawn uses.
 */
import fs from 'node:fs/promises';
import { MoveUnsupportedError, type DomainSpec } from '../driver.ts';
import { run } from './exec.ts';
import { qemuImgInfo } from './image-cache.ts';
import type { Virsh } from './virsh.ts';
import { buildDomain, type BuildSettings, type InstancePaths } from './xml/build.ts';
import { renderDomainXml } from './xml/render.ts';

export interface ResizeContext {
  virsh: Virsh;
  settings: BuildSettings;
  paths: InstancePaths;
  bridge: (networkId: string) => Promise<string>;
  /** Stops the guest (clean shutdown first), a no-op when it is off. */
  shutDown: () => Promise<void>;
}

export async function resizeInPlace(ctx: ResizeContext, spec: DomainSpec, powerOn: boolean): Promise<void> {
  if (!(await ctx.virsh.dominfo(spec.uuid))) {
    throw new MoveUnsupportedError(
      `Instance ${spec.uuid} has no disks on this host: moving a guest's disks between libvirt hosts needs shared instance storage, which this deployment does not have.`,
    );
  }
  await ctx.shutDown();
  if (spec.image && spec.rootGb > 0) {
    const info = await qemuImgInfo(ctx.paths.rootDisk, 'qcow2');
    if (spec.rootGb * 1024 ** 3 > info['virtual-size']) await run('qemu-img', ['resize', '-q', '-f', 'qcow2', ctx.paths.rootDisk, `${spec.rootGb}G`]);
  }
  for (const networkId of new Set(spec.interfaces.map((i) => i.networkId))) await ctx.bridge(networkId);
  await fs.writeFile(ctx.paths.definition, renderDomainXml(buildDomain(spec, ctx.settings, ctx.paths)));
  await ctx.virsh.run(['define', ctx.paths.definition]);
  if (powerOn) await ctx.virsh.run(['start', spec.uuid]);
}

/** Live migration needs a second libvirt host reachable over libvirt's migration transport; not offered yet. */
export function liveMigrationUnsupported(uuid: string): never {
  throw new MoveUnsupportedError(`Live migration of ${uuid} between libvirt hosts is not available in this deployment.`);
}
