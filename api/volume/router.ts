/** The volume service under `/volume`. */
import { Router } from 'express';
import type { ServiceDeps } from '../service-deps.ts';

export function volumeRouter(_deps: ServiceDeps): Router {
  return Router();
}
