/**
 * The host's image cache: `<instances path>/_base/<image id>` holds each image's bytes, downloaded once per host
 * (concurrent requests for one image share one download; the file appears only complete, by rename). Instances
 * never write to it: each gets a qcow2 overlay whose backing file is the cached base (`qemu-img create -f qcow2
 * -F <format> -b <base>`).
 *
 * The format of a disk image is decided once, when it is cached, and kept in `<image id>.info.json`. An image
 * declared `raw` is always used as raw (never probed: a raw image whose bytes look like qcow2 must not be opened
 * as qcow2, or a guest could name any host file as its backing file); otherwise qemu-img's probe decides, and only
 * raw and qcow2 without a backing file or external data file are accepted.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { ImageRef } from '../driver.ts';
import { run } from './exec.ts';
import { ImageFetchError, type ImageFetcher } from './image-fetcher.ts';
import type { DiskFormat } from './xml/domain.ts';

export interface CachedImage {
  path: string;
  format: DiskFormat;
  /** Bytes the guest sees (the qcow2 virtual size, or the file size of a raw image). */
  virtualSize: number;
}

interface QemuImgInfo {
  format: string;
  'virtual-size': number;
  'backing-filename'?: string;
  'format-specific'?: { data?: { 'data-file'?: string } };
}

export async function qemuImgInfo(file: string, format?: DiskFormat): Promise<QemuImgInfo> {
  return JSON.parse(await run('qemu-img', ['info', '--output=json', ...(format ? ['-f', format] : []), file])) as QemuImgInfo;
}

/** Decides how a downloaded disk image is used, or refuses it. */
export async function judgeDiskImage(file: string, declared: string | undefined, imageId: string): Promise<Omit<CachedImage, 'path'>> {
  if (declared === 'raw') return { format: 'raw', virtualSize: (await fs.stat(file)).size };
  const info = await qemuImgInfo(file);
  if (info.format !== 'raw' && info.format !== 'qcow2') throw new ImageFetchError(`image ${imageId}: disk format ${info.format} is not supported by the libvirt driver (raw or qcow2)`);
  if (declared === 'qcow2' && info.format !== 'qcow2') throw new ImageFetchError(`image ${imageId}: declared qcow2 but its bytes are ${info.format}`);
  if (info['backing-filename']) throw new ImageFetchError(`image ${imageId}: qcow2 image has a backing file`);
  if (info['format-specific']?.data?.['data-file']) throw new ImageFetchError(`image ${imageId}: qcow2 image has an external data file`);
  return { format: info.format, virtualSize: info['virtual-size'] };
}

export class ImageCache {
  private inFlight = new Map<string, Promise<CachedImage>>();

  constructor(
    readonly dir: string,
    private readonly fetcher: ImageFetcher,
  ) {}

  pathOf(imageId: string): string {
    if (!/^[A-Za-z0-9._-]+$/.test(imageId) || imageId.startsWith('.')) throw new ImageFetchError(`invalid image id ${JSON.stringify(imageId)}`);
    return path.join(this.dir, imageId);
  }

  /**
   * The cached image, downloaded when missing. `disk` images are judged (format, virtual size); `file` images (a
   * kernel, a ramdisk) are handed to QEMU as files and only need their bytes.
   */
  ensure(image: ImageRef, use: 'disk' | 'file'): Promise<CachedImage> {
    const key = `${use}:${image.id}`;
    let pending = this.inFlight.get(key);
    if (!pending) {
      pending = this.load(image, use).finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, pending);
    }
    return pending;
  }

  private async load(image: ImageRef, use: 'disk' | 'file'): Promise<CachedImage> {
    const file = this.pathOf(image.id);
    const infoFile = `${file}.info.json`;
    await fs.mkdir(this.dir, { recursive: true, mode: 0o755 });
    const present = await fs.stat(file).then(() => true, () => false);
    if (!present) await this.fetcher.fetch({ id: image.id, hash: image.hash ?? null }, file);
    if (use === 'file') return { path: file, format: 'raw', virtualSize: (await fs.stat(file)).size };
    const known = await fs.readFile(infoFile, 'utf8').then((t) => JSON.parse(t) as Omit<CachedImage, 'path'>, () => undefined);
    if (known) return { path: file, ...known };
    try {
      const judged = await judgeDiskImage(file, image.diskFormat, image.id);
      await fs.writeFile(infoFile, JSON.stringify(judged));
      return { path: file, ...judged };
    } catch (err) {
      await fs.rm(file, { force: true }); // a refused image is not kept
      throw err;
    }
  }
}
