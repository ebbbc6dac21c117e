/**
 * The one place that decides who may do what. Every API rule of every service maps to a check on the caller's
 * roles and project (`checks.ts`), with the defaults of the OpenStack services; the rules of each service live
 * in `rules/<service>.ts`. Handlers call `enforce(auth, rule, target)`; each service words its 403 as upstream.
 */
import { ApiError } from '../faults.ts';
import type { Check, ServicePolicy, Target } from './checks.ts';
import type { AuthContext } from './context.ts';
import { computePolicy } from './rules/compute.ts';
import { identityPolicy } from './rules/identity.ts';
import { imagePolicy } from './rules/image.ts';
import { networkPolicy } from './rules/network.ts';
import { volumePolicy } from './rules/volume.ts';

export type { Target } from './checks.ts';

const services: readonly ServicePolicy[] = [identityPolicy, computePolicy, imagePolicy, networkPolicy, volumePolicy];

/** Rule name → check, for every service. */
export const POLICY: Readonly<Record<string, Check>> = Object.assign({}, ...services.map((s) => s.rules));

export function allowed(auth: AuthContext, rule: string, target: Target = {}): boolean {
  const check = POLICY[rule];
  if (!check) throw new Error(`no policy rule ${rule}`);
  return check(auth, target);
}

export function enforce(auth: AuthContext, rule: string, target: Target = {}): void {
  if (allowed(auth, rule, target)) return;
  const owner = services.find((s) => rule in s.rules)!;
  throw new ApiError(403, owner.refusal(rule));
}
