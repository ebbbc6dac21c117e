/** The image service under `/image`. */
import { Router } from 'express';
import type { ServiceDeps } from '../service-deps.ts';

export function imageRouter(_deps: ServiceDeps): Router {
  return Router();
}
