/**
 * `/v2/images/{id}/file`: upload (PUT, `application/octet-stream`, streamed to the file store — never parsed or
 * held in memory) and download (GET, streamed back with `Content-MD5`; 204 while the image has no data).
 */
import { pipeline } from 'node:stream/promises';
import { Router, type Request } from 'express';
import { badRequest, forbidden } from '../../activities/services/image/errors.ts';
import { openImage } from '../../activities/services/image/file-store.ts';
import { storeImageData } from '../../activities/services/image/upload.ts';
import { enforce } from '../auth/policy.ts';
import { ApiError } from '../faults.ts';
import type { ServiceDeps } from '../service-deps.ts';
import { loadImage } from './access.ts';
import { mediaType } from './body.ts';

const CONNECTION_LOST = new Set(['ERR_STREAM_PREMATURE_CLOSE', 'ECONNRESET', 'ECONNABORTED', 'EPIPE']);

/** Whether the error is the client going away mid-transfer (not a fault of ours). */
const connectionLost = (req: Request, err: unknown) =>
  req.destroyed || req.readableAborted || CONNECTION_LOST.has((err as NodeJS.ErrnoException).code ?? '');

/** `X-OpenStack-Image-Size`, when sent, must be a byte count. */
function checkSizeHeader(req: Request): void {
  const size = req.get('x-openstack-image-size');
  if (size !== undefined && !/^\s*\d+\s*$/.test(size)) throw badRequest('Invalid or missing image size in request headers.');
}

export function dataRoutes(deps: ServiceDeps): Router {
  const router = Router();
  const { db, dataDir } = deps;

  router.put('/images/:id/file', async (req, res) => {
    const auth = res.locals.auth;
    const type = mediaType(req);
    if (type !== 'application/octet-stream') throw new ApiError(415, `Invalid content type ${type || 'None'}`);
    checkSizeHeader(req);
    const { image, target } = await loadImage(db, auth, req.params.id);
    enforce(auth, 'image:upload_image', target);
    try {
      await storeImageData(db, dataDir, image, req);
    } catch (err) {
      if (!(err instanceof ApiError) && connectionLost(req, err)) throw badRequest('The image data upload was interrupted.');
      throw err;
    }
    res.status(204).end();
  });

  router.get('/images/:id/file', async (req, res) => {
    const auth = res.locals.auth;
    const { image, target } = await loadImage(db, auth, req.params.id);
    if (image.status === 'deactivated' && !auth.isAdmin) {
      throw forbidden('The requested image has been deactivated. Image data download is forbidden.');
    }
    enforce(auth, 'image:download_image', target);
    const file = image.status === 'active' || image.status === 'deactivated' ? await openImage(dataDir, image.id) : undefined;
    if (!file) {
      res.status(204).end();
      return;
    }
    res.status(200).set({ 'Content-Type': 'application/octet-stream', 'Content-Length': String(file.size) });
    if (image.checksum) res.set('Content-MD5', image.checksum);
    try {
      await pipeline(file.stream, res);
    } catch (err) {
      file.stream.destroy();
      if (!connectionLost(req, err) && !res.destroyed) throw err;
    }
  });

  return router;
}
