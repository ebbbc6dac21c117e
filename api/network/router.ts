/** The network service under `/network`. */
import { Router } from 'express';
import type { ServiceDeps } from '../service-deps.ts';

export function networkRouter(_deps: ServiceDeps): Router {
  return Router();
}
