/** limits and os-quota-sets: the compute quotas of a project (Nova's defaults, overrides by admins) and their use. */
import { Router, type Request, type Response } from 'express';
import { DEFAULT_QUOTAS, fullUsage, quotaLimits, revertQuotaLimits, setQuotaLimits, type QuotaResource } from '../../activities/control/db/quotas.ts';
import type { operations } from '../../schema/generated/compute/quotas.d.ts';
import { enforce } from '../auth/policy.ts';
import { ApiError } from '../faults.ts';
import { bind, param } from '../openapi/route.ts';
import type { ComputeDeps } from './deps.ts';

/** The quota_set fields at a microversion: the file-injection quotas went at 2.57, the network proxies at 2.36. */
function quotaSetView(limits: Record<QuotaResource, number>, res: Response, id: string) {
  const v = res.locals.microversion;
  const view: Record<string, number | string> = {
    id,
    cores: limits.cores,
    instances: limits.instances,
    key_pairs: limits.key_pairs,
    metadata_items: limits.metadata_items,
    ram: limits.ram,
    server_groups: limits.server_groups,
    server_group_members: limits.server_group_members,
  };
  if (!v.atLeast('2.57')) {
    Object.assign(view, {
      injected_file_content_bytes: limits.injected_file_content_bytes,
      injected_file_path_bytes: limits.injected_file_path_bytes,
      injected_files: limits.injected_files,
    });
  }
  if (!v.atLeast('2.36')) Object.assign(view, { fixed_ips: -1, floating_ips: 10, security_group_rules: 20, security_groups: 10 });
  return view;
}

export function quotaRoutes(deps: ComputeDeps): Router {
  const router = Router();
  const opts = { validateResponses: deps.validateResponses };
  const target = (req: Request) => param(req, 'project_id');

  bind(router, 'showLimits', opts, async (req, res) => {
    const auth = res.locals.auth;
    const asked = typeof req.query.tenant_id === 'string' ? req.query.tenant_id : undefined;
    const projectId = asked && auth.isAdmin ? asked : (auth.projectId ?? '');
    const [limits, used] = await Promise.all([quotaLimits(deps.db, projectId), fullUsage(deps.db, projectId, auth.userId)]);
    const v = res.locals.microversion;
    const absolute: Record<string, number> = {
      maxServerMeta: limits.metadata_items,
      maxTotalCores: limits.cores,
      maxTotalInstances: limits.instances,
      maxTotalKeypairs: limits.key_pairs,
      maxTotalRAMSize: limits.ram,
      maxServerGroups: limits.server_groups,
      maxServerGroupMembers: limits.server_group_members,
      totalCoresUsed: used.cores,
      totalInstancesUsed: used.instances,
      totalRAMUsed: used.ram,
      totalServerGroupsUsed: used.server_groups,
    };
    if (!v.atLeast('2.39')) absolute.maxImageMeta = limits.metadata_items;
    if (!v.atLeast('2.57')) Object.assign(absolute, { maxPersonality: limits.injected_files, maxPersonalitySize: limits.injected_file_content_bytes });
    if (!v.atLeast('2.36')) {
      Object.assign(absolute, { maxSecurityGroupRules: 20, maxSecurityGroups: 10, maxTotalFloatingIps: 10, totalFloatingIpsUsed: 0, totalSecurityGroupsUsed: 0 });
    }
    res.json({ limits: { rate: [], absolute } });
  });

  bind(router, 'showDefaultQuotaSet', opts, async (req, res) => {
    res.json({ quota_set: quotaSetView({ ...DEFAULT_QUOTAS }, res, target(req)) });
  });

  bind(router, 'showQuotaSetDetail', opts, async (req, res) => {
    enforce(res.locals.auth, 'os_compute_api:os-quota-sets:detail', { projectId: target(req) });
    const [limits, used] = await Promise.all([quotaLimits(deps.db, target(req)), fullUsage(deps.db, target(req), res.locals.auth.userId)]);
    const plain = quotaSetView(limits, res, target(req));
    const detail: Record<string, unknown> = { id: target(req) };
    for (const [key, limit] of Object.entries(plain)) {
      if (key !== 'id') detail[key] = { in_use: used[key as QuotaResource] ?? 0, limit, reserved: 0 };
    }
    res.json({ quota_set: detail });
  });

  bind(router, 'showQuotaSet', opts, async (req, res) => {
    enforce(res.locals.auth, 'os_compute_api:os-quota-sets:show', { projectId: target(req) });
    res.json({ quota_set: quotaSetView(await quotaLimits(deps.db, target(req)), res, target(req)) });
  });

  bind(router, 'updateQuotaSet', opts, async (req, res) => {
    enforce(res.locals.auth, 'os_compute_api:os-quota-sets:update', { projectId: target(req) });
    const { force: _force, ...asked } = (req.body as operations['updateQuotaSet']['requestBody']['content']['application/json']).quota_set;
    const limits = Object.fromEntries(Object.entries(asked).map(([k, v]) => [k, Number(v)])) as Partial<Record<QuotaResource, number>>;
    if (res.locals.microversion.atLeast('2.57') && Object.keys(limits).some((k) => k.startsWith('injected_'))) {
      throw new ApiError(400, "Invalid input for field/attribute quota_set. Value: injected_files. Additional properties are not allowed");
    }
    await setQuotaLimits(deps.db, target(req), limits);
    const view = quotaSetView(await quotaLimits(deps.db, target(req)), res, target(req));
    delete view.id;
    res.json({ quota_set: view });
  });

  bind(router, 'revertQuotaSet', opts, async (req, res) => {
    enforce(res.locals.auth, 'os_compute_api:os-quota-sets:delete', { projectId: target(req) });
    await revertQuotaLimits(deps.db, target(req));
    res.status(202).end();
  });

  return router;
}
