/** Identity (Keystone v3 subset) under `/identity`. */
import { Router } from 'express';
import type { ServiceDeps } from '../service-deps.ts';

export function identityRouter(_deps: ServiceDeps): Router {
  return Router();
}
