/**
 * os-server-groups: a project's affinity and anti-affinity groups. List (all projects for admins asking with
 * `all_projects`; limit/offset), show, create and delete. One policy per group: a one-item `policies` list
 * before 2.64, `policy` with `rules` (`max_server_per_host`, anti-affinity only) from 2.64. A group of another
 * project is not found for non-admins. Members are filled in by the scheduler.
 */
import { Router, type Request, type Response } from 'express';
import {
  countServerGroups,
  createServerGroup,
  deleteServerGroup,
  getServerGroup,
  listServerGroups,
  SERVER_GROUP_POLICIES,
  SERVER_GROUPS_QUOTA,
  type ServerGroupPolicy,
  type ServerGroupRow,
  type ServerGroupRules,
} from '../../activities/control/db/server-groups.ts';
import { enforce } from '../auth/policy.ts';
import { ApiError } from '../faults.ts';
import type { Microversion } from '../microversion.ts';
import { bind, param } from '../openapi/route.ts';
import type { components } from '../../schema/generated/compute/server-groups.d.ts';
import type { ComputeDeps } from './deps.ts';
import { invalidInput, refuseUnknownQuery, unexpected } from './keypairs.ts';

type CreateBody = components['schemas']['ServerGroupCreateRequest'];
type ServerGroupView = components['schemas']['ServerGroup'];

/** Nova's `[api] max_limit`. */
const MAX_LIMIT = 1000;
const POLICIES_BEFORE_2_15: readonly ServerGroupPolicy[] = ['anti-affinity', 'affinity'];

export function serverGroupView(row: ServerGroupRow, v: Microversion): ServerGroupView {
  return {
    id: row.id,
    name: row.name,
    ...(v.atLeast('2.64')
      ? {
          policy: row.policy,
          rules: row.rules.max_server_per_host !== undefined ? { max_server_per_host: Number(row.rules.max_server_per_host) } : {},
        }
      : { policies: [row.policy], metadata: {} }),
    members: row.members,
    ...(v.atLeast('2.13') ? { project_id: row.project_id, user_id: row.user_id } : {}),
  };
}

/** The policy and rules asked for, checked as Nova's create schema of the request's microversion checks them. */
function requestedPolicy(body: CreateBody, v: Microversion): { policy: ServerGroupPolicy; rules: ServerGroupRules } {
  const group = body.server_group;
  if (v.atLeast('2.64')) {
    if (group.policies !== undefined) throw unexpected('server_group', group, 'policies');
    if (group.policy === undefined) throw invalidInput('server_group', group, "'policy' is a required property");
    const rules = group.rules ?? {};
    return { policy: group.policy, rules: rules.max_server_per_host !== undefined ? { max_server_per_host: Number(rules.max_server_per_host) } : {} };
  }
  for (const field of ['policy', 'rules'] as const) if (group[field] !== undefined) throw unexpected('server_group', group, field);
  if (group.policies === undefined) throw invalidInput('server_group', group, "'policies' is a required property");
  const policy = group.policies[0]!;
  const allowed = v.atLeast('2.15') ? SERVER_GROUP_POLICIES : POLICIES_BEFORE_2_15;
  if (!allowed.includes(policy)) throw invalidInput('0', policy, `${JSON.stringify(policy)} is not one of ${JSON.stringify(allowed)}`);
  return { policy, rules: {} };
}

/** Non-admins see only their project's groups; any other is "not found", as in Nova. */
async function load(deps: ComputeDeps, req: Request, res: Response): Promise<ServerGroupRow> {
  const auth = res.locals.auth;
  const id = param(req, 'server_group_id');
  const row = await getServerGroup(deps.db, id, auth.isAdmin ? undefined : (auth.projectId ?? ''));
  if (!row) throw new ApiError(404, `Instance group ${id} could not be found.`);
  return row;
}

export function serverGroupRoutes(deps: ComputeDeps): Router {
  const router = Router();
  const opts = { validateResponses: deps.validateResponses };

  bind(router, 'listServerGroups', opts, async (req, res) => {
    const v = res.locals.microversion;
    const auth = res.locals.auth;
    if (v.atLeast('2.75')) refuseUnknownQuery(req, ['all_projects', 'limit', 'offset']);
    enforce(auth, 'os_compute_api:os-server-groups:index', { projectId: auth.projectId });
    const q = req.query as Record<string, string | undefined>;
    // Any value asks for all projects; a non-admin asking gets their own project's groups, as in Nova.
    const everyProject = q.all_projects !== undefined && auth.isAdmin;
    if (everyProject) enforce(auth, 'os_compute_api:os-server-groups:index:all_projects', { projectId: auth.projectId });
    const rows = await listServerGroups(deps.db, everyProject ? undefined : (auth.projectId ?? ''), {
      limit: Math.min(MAX_LIMIT, Number(q.limit ?? 0) || MAX_LIMIT),
      offset: Number(q.offset ?? 0),
    });
    res.json({ server_groups: rows.map((r) => serverGroupView(r, v)) });
  });

  bind(router, 'showServerGroup', opts, async (req, res) => {
    const v = res.locals.microversion;
    if (v.atLeast('2.102')) refuseUnknownQuery(req, []);
    const row = await load(deps, req, res);
    enforce(res.locals.auth, 'os_compute_api:os-server-groups:show', { projectId: row.project_id });
    res.json({ server_group: serverGroupView(row, v) });
  });

  bind(router, 'createServerGroup', opts, async (req, res) => {
    const v = res.locals.microversion;
    const auth = res.locals.auth;
    const body = req.body as CreateBody;
    const { policy, rules } = requestedPolicy(body, v);
    enforce(auth, 'os_compute_api:os-server-groups:create', { projectId: auth.projectId });
    const projectId = auth.projectId ?? '';
    const overQuota = () => new ApiError(403, 'Quota exceeded, too many server groups.');
    if ((await countServerGroups(deps.db, projectId)) >= SERVER_GROUPS_QUOTA) throw overQuota();
    if (policy !== 'anti-affinity' && Object.keys(rules).length > 0) throw new ApiError(400, 'Only anti-affinity policy supports rules.');
    const created = await createServerGroup(deps.db, { name: body.server_group.name, projectId, userId: auth.userId, policy, rules });
    if (created === 'over-quota') throw overQuota();
    res.json({ server_group: serverGroupView(created, v) });
  });

  bind(router, 'deleteServerGroup', opts, async (req, res) => {
    const row = await load(deps, req, res);
    enforce(res.locals.auth, 'os_compute_api:os-server-groups:delete', { projectId: row.project_id });
    if (!(await deleteServerGroup(deps.db, row.id))) throw new ApiError(404, `Instance group ${row.id} could not be found.`);
    res.status(204).end();
  });

  return router;
}
