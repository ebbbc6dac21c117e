/**
 * Image bytes on disk: `<dataDir>/images/<id>` (the path the volume service copies from). An upload is written to
 * a private temporary file beside it and measured on the way in; only a complete upload is renamed into place,
 * so a reader never sees a partial file and two uploads never share one.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, type ReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ChecksumStream, type Digest } from './checksum-stream.ts';
import { INSPECT_BYTES } from './disk-format.ts';

export const imagesDir = (dataDir: string) => path.join(dataDir, 'images');
export const imageFile = (dataDir: string, id: string) => path.join(imagesDir(dataDir), id);

/** Data received into a temporary file, not yet in place. */
export interface StagedData extends Digest {
  tempPath: string;
}

/** Streams `source` into a temporary file, measuring it. On any failure the temporary file is gone. */
export async function receive(dataDir: string, id: string, source: Readable): Promise<StagedData> {
  await fs.mkdir(imagesDir(dataDir), { recursive: true });
  const tempPath = `${imageFile(dataDir, id)}.part-${randomBytes(6).toString('hex')}`;
  const meter = new ChecksumStream(INSPECT_BYTES);
  try {
    await pipeline(source, meter, createWriteStream(tempPath, { flags: 'wx' }));
    return { ...meter.digest(), tempPath };
  } catch (err) {
    await fs.rm(tempPath, { force: true });
    throw err;
  }
}

/** Moves staged data into place as the image's file (atomically replacing any earlier one). */
export async function commit(dataDir: string, id: string, staged: StagedData): Promise<void> {
  await fs.rename(staged.tempPath, imageFile(dataDir, id));
}

export async function discard(staged: StagedData): Promise<void> {
  await fs.rm(staged.tempPath, { force: true });
}

/** Writes bytes in memory as the image's file (through a temporary file, so concurrent writers are harmless). */
export async function writeWhole(dataDir: string, id: string, data: Buffer): Promise<void> {
  await fs.mkdir(imagesDir(dataDir), { recursive: true });
  const tempPath = `${imageFile(dataDir, id)}.part-${randomBytes(6).toString('hex')}`;
  try {
    await fs.writeFile(tempPath, data, { flag: 'wx' });
    await fs.rename(tempPath, imageFile(dataDir, id));
  } finally {
    await fs.rm(tempPath, { force: true });
  }
}

/** The image's file opened for reading with its size, or undefined when there is none. */
export async function openImage(dataDir: string, id: string): Promise<{ stream: ReadStream; size: number } | undefined> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(imageFile(dataDir, id), 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  const { size } = await handle.stat();
  return { stream: createReadStream('', { fd: handle, autoClose: true }), size };
}

export async function imageFileExists(dataDir: string, id: string): Promise<boolean> {
  return fs.access(imageFile(dataDir, id)).then(
    () => true,
    () => false,
  );
}

/** Removes the image's file; a missing file is fine. */
export async function removeImageFile(dataDir: string, id: string): Promise<void> {
  await fs.rm(imageFile(dataDir, id), { force: true });
}
