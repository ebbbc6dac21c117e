/**
 * Who may see and change what: policy targets of each resource, and Neutron's rule that a resource the caller
 * may not see does not exist (404, never 403); one it may see but not change is a 403.
 */
import type { Network } from '../../activities/services/network/networks.ts';
import type { Port } from '../../activities/services/network/ports.ts';
import type { SecurityGroup, SecurityGroupRule } from '../../activities/services/network/security-groups.ts';
import type { Subnet } from '../../activities/services/network/subnets.ts';
import type { Scope } from '../../activities/services/network/db.ts';
import { badRequest } from '../../activities/services/network/errors.ts';
import type { AuthContext } from '../auth/context.ts';
import { allowed, enforce } from '../auth/policy.ts';
import type { NetworkTarget } from '../auth/rules/network.ts';
import type { ApiError } from '../faults.ts';

export const scopeOf = (auth: AuthContext): Scope => ({ all: auth.isAdmin, projectId: auth.projectId });

export const networkTarget = (n: Network): NetworkTarget => ({
  projectId: n.project_id,
  networkProjectId: n.project_id,
  shared: n.shared,
  external: n.external,
});

export const subnetTarget = (s: Subnet): NetworkTarget => ({
  projectId: s.project_id,
  networkProjectId: s.network_project_id,
  shared: s.network_shared,
});

export const portTarget = (p: Port): NetworkTarget => ({
  projectId: p.project_id,
  networkProjectId: p.network_project_id,
  deviceOwner: p.device_owner,
});

export const groupTarget = (g: SecurityGroup): NetworkTarget => ({ projectId: g.project_id });

export const ruleTarget = (r: SecurityGroupRule, groupProjectId?: string): NetworkTarget => ({
  projectId: r.project_id,
  groupProjectId,
});

/** The row when the caller may see it under `getRule`; otherwise the resource's NotFound. */
export function visible<T>(auth: AuthContext, row: T | undefined, getRule: string, target: (row: T) => NetworkTarget, notFound: ApiError): T {
  if (row === undefined || !allowed(auth, getRule, target(row))) throw notFound;
  return row;
}

/** Checks the action's rule and the rule of every attribute the body sets that has one (`create_network:shared`). */
export function enforceWithAttributes(auth: AuthContext, action: string, target: NetworkTarget, body: Record<string, unknown>, attributes: readonly string[]): void {
  enforce(auth, action, target);
  for (const attribute of attributes) {
    if (body[attribute] !== undefined) enforce(auth, `${action}:${attribute}`, target);
  }
}

/**
 * The project a new resource belongs to: `project_id`/`tenant_id` from the body (must agree) or the token's.
 * Setting another project is a matter for policy (admin only).
 */
export function owningProject(auth: AuthContext, body: { project_id?: string; tenant_id?: string }): string {
  if (body.project_id !== undefined && body.tenant_id !== undefined && body.project_id !== body.tenant_id) {
    throw badRequest("'project_id' and 'tenant_id' do not match");
  }
  const project = body.project_id ?? body.tenant_id ?? auth.projectId;
  if (project === undefined) throw badRequest('Running without keystone AuthN requires that tenant_id is specified');
  return project;
}
