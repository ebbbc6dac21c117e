/**
 * Volume API microversions: `OpenStack-API-Version: volume 3.x` (none → 3.0, `latest` → the maximum), echoed
 * on every versioned response with `Vary`, as Cinder does. Malformed → 400, out of range → 406.
 */
import type { RequestHandler } from 'express';
import { ApiError } from '../faults.ts';
import { Microversion } from '../microversion.ts';

declare module 'express-serve-static-core' {
  interface Locals {
    volumeVersion: Microversion;
  }
}

export const MIN_VOLUME_VERSION = new Microversion(3, 0);
export const MAX_VOLUME_VERSION = new Microversion(3, 70);
const HEADER = 'OpenStack-API-Version';

function requested(header: string | undefined): string | undefined {
  if (!header) return undefined;
  for (const entry of header.split(',')) {
    const [service, ...rest] = entry.trim().split(/\s+/);
    if (service?.toLowerCase() === 'volume') return rest.join(' ').trim();
  }
  return undefined;
}

export function negotiateVolumeVersion(header: string | undefined): Microversion {
  const text = requested(header);
  if (text === undefined) return MIN_VOLUME_VERSION;
  if (text.toLowerCase() === 'latest') return MAX_VOLUME_VERSION;
  if (!/^([1-9]\d*)\.([1-9]\d*|0)$/.test(text)) {
    throw new ApiError(400, `API Version String ${text} is of invalid format. Must be of format MajorNum.MinorNum.`);
  }
  const version = Microversion.parse(text);
  if (version.compare(MIN_VOLUME_VERSION) < 0 || version.compare(MAX_VOLUME_VERSION) > 0) {
    throw new ApiError(406, `Version ${text} is not supported by the API. Minimum is ${MIN_VOLUME_VERSION} and maximum is ${MAX_VOLUME_VERSION}.`);
  }
  return version;
}

export const volumeVersion: RequestHandler = (req, res, next) => {
  res.set('Vary', HEADER);
  let version: Microversion;
  try {
    version = negotiateVolumeVersion(req.get(HEADER));
  } catch (err) {
    res.set(HEADER, `volume ${MIN_VOLUME_VERSION}`);
    return next(err);
  }
  res.locals.volumeVersion = version;
  res.set(HEADER, `volume ${version}`);
  next();
};

/** A route that exists from `min` on answers 404 below it, as Cinder does. */
export const since =
  (min: string): RequestHandler =>
  (_req, res, next) => {
    if (res.locals.volumeVersion.atLeast(min)) return next();
    next(new ApiError(404, 'The resource could not be found.'));
  };
