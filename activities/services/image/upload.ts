/**
 * Storing an image's data: queued → saving (compare-and-set, so a second concurrent upload gets a 409), the bytes
 * streamed to a temporary file while size, md5 and sha512 are computed, the format checked against the declared
 * disk_format, then the file moved into place and the image made active with its checksums. Any failure puts
 * the image back to queued with no file, ready for another try.
 */
import type pg from 'pg';
import type { Readable } from 'node:stream';
import { inspect, judgeFormat } from './disk-format.ts';
import { deletedDuringUpload, formatMismatch, imageNotFound, missingFormats, statusTransition, unsafeImage } from './errors.ts';
import { commit, discard, receive, removeImageFile } from './file-store.ts';
import { abandonUpload, finishUpload, transition } from './queries.ts';
import type { ImageRecord } from './records.ts';

export async function storeImageData(db: pg.Pool, dataDir: string, image: ImageRecord, source: Readable): Promise<ImageRecord> {
  const unformatted = (i: ImageRecord) => (['disk_format', 'container_format'] as const).filter((k) => !i[k]);
  if (unformatted(image).length > 0) throw missingFormats(unformatted(image));
  const begun = await transition(db, image.id, ['queued'], 'saving');
  if (!begun.changed) throw begun.status ? statusTransition(begun.status, 'saving') : imageNotFound(image.id);
  // The formats as they are now that the image is saving (and they can no longer change).
  const saving = begun.image;
  if (unformatted(saving).length > 0) {
    await abandonUpload(db, image.id);
    throw missingFormats(unformatted(saving));
  }

  let staged;
  try {
    staged = await receive(dataDir, image.id, source);
  } catch (err) {
    await abandonUpload(db, image.id);
    throw err;
  }

  // Glance inspects only bare images; the formats inside other containers are taken at their word.
  const verdict =
    saving.container_format === 'bare' ? judgeFormat(saving.disk_format!, inspect(staged.head), staged.size) : ({ ok: true, virtualSize: null } as const);
  if (!verdict.ok) {
    await discard(staged);
    await abandonUpload(db, image.id);
    throw verdict.unsafe ? unsafeImage() : formatMismatch(saving.disk_format!, verdict.detected);
  }

  await commit(dataDir, image.id, staged);
  const active = await finishUpload(db, image.id, staged, verdict.virtualSize);
  if (!active) {
    await removeImageFile(dataDir, image.id);
    throw deletedDuringUpload(image.id);
  }
  return active;
}
