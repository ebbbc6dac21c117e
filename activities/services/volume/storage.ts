/**
 * Volume files: one raw sparse file per volume at `<dataDir>/volumes/<id>` (no space used until written), made
 * from an image file at `<dataDir>/images/<imageId>` when one is there. Deleting a volume frees its file.
 */
import { constants } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';

export const GIB = 1024 ** 3;

export const volumesDir = (dataDir: string) => path.join(dataDir, 'volumes');
export const volumePath = (dataDir: string, id: string) => path.join(volumesDir(dataDir), id);
export const imagePath = (dataDir: string, imageId: string) => path.join(dataDir, 'images', imageId);

async function exists(file: string): Promise<boolean> {
  return fs.access(file).then(
    () => true,
    () => false,
  );
}

/**
 * Makes the volume's file, `sizeGb` long: a copy of the image file when there is one (which must fit), else
 * empty. Idempotent: an existing file is resized to at least the size. Returns whether an image was copied.
 */
export async function createVolumeFile(dataDir: string, id: string, sizeGb: number, imageId?: string): Promise<boolean> {
  await fs.mkdir(volumesDir(dataDir), { recursive: true });
  const file = volumePath(dataDir, id);
  let copied = false;
  if (imageId && !/[/\\]/.test(imageId) && (await exists(imagePath(dataDir, imageId))) && !(await exists(file))) {
    const image = await fs.stat(imagePath(dataDir, imageId));
    if (image.size > sizeGb * GIB) throw new Error(`image ${imageId} (${image.size} bytes) is larger than the volume (${sizeGb} GiB)`);
    await fs.copyFile(imagePath(dataDir, imageId), `${file}.part`, constants.COPYFILE_FICLONE);
    await fs.rename(`${file}.part`, file);
    copied = true;
  }
  const handle = await fs.open(file, 'a');
  try {
    const { size } = await handle.stat();
    if (size < sizeGb * GIB) await handle.truncate(sizeGb * GIB);
  } finally {
    await handle.close();
  }
  return copied;
}

/** Grows the file to `sizeGb` (sparse). */
export async function extendVolumeFile(dataDir: string, id: string, sizeGb: number): Promise<void> {
  await fs.truncate(volumePath(dataDir, id), sizeGb * GIB);
}

/** Removes the file; a missing file is fine (idempotent). */
export async function removeVolumeFile(dataDir: string, id: string): Promise<void> {
  await fs.rm(volumePath(dataDir, id), { force: true });
  await fs.rm(`${volumePath(dataDir, id)}.part`, { force: true });
}
