/** Servers: create, list (summary and detail), show, update, delete, addresses and instance actions. */
import type { Client } from '@temporalio/client';
import { Router, type Request, type Response } from 'express';
import { getAction, getInstance, listActions, listInstances, MarkerNotFound, validSortKey, type InstanceRow } from '../../../activities/control/db/instances.ts';
import { appendEvents, StateConflict } from '../../../activities/control/instances/store.ts';
import type { operations } from '../../../schema/generated/compute/servers.d.ts';
import { deleteWorkflowId } from '../../../workflows/instance-states.ts';
import { allowed, enforce } from '../../auth/policy.ts';
import { ApiError, badRequest } from '../../faults.ts';
import { bind, param } from '../../openapi/route.ts';
import type { ComputeDeps } from '../deps.ts';
import { collectionUrl } from '../links.ts';
import { novaTime } from '../time.ts';
import { createServerHandler } from './create.ts';
import { loadServer } from './instance-access.ts';
import { startDelete } from './start.ts';
import { addressesView, hostId, serverLinks, serverView } from './view.ts';

const STATUS_TO_VM_STATES: Record<string, string[]> = {
  ACTIVE: ['active'], BUILD: ['building'], SHUTOFF: ['stopped'], PAUSED: ['paused'], SUSPENDED: ['suspended'],
  ERROR: ['error'], DELETED: ['deleted'], VERIFY_RESIZE: ['resized'], RESCUE: ['rescued'], SHELVED: ['shelved'],
  SHELVED_OFFLOADED: ['shelved_offloaded'], SOFT_DELETED: ['soft-delete'],
};
const MAX_LIMIT = 1000;

/** `tags`, `tags-any`, `not-tags`, `not-tags-any` (comma-separated), from 2.26. */
function tagFilters(q: Record<string, string | undefined>, supported: boolean) {
  if (!supported) return {};
  const list = (v: string | undefined) => (v === undefined ? undefined : v.split(',').map((t) => t.trim()).filter(Boolean));
  return { tags: list(q.tags), tagsAny: list(q['tags-any']), notTags: list(q['not-tags']), notTagsAny: list(q['not-tags-any']) };
}

export function serverRoutes(deps: ComputeDeps & { temporal: Client }): Router {
  const router = Router();
  const opts = { validateResponses: deps.validateResponses };

  /** The instance, if the caller's project owns it (admins: any); else Nova's 404. Then the policy rule. */
  const load = (req: Request, res: Response, rule: string): Promise<InstanceRow> => loadServer(deps.db, req, res, rule);

  const list = (detail: boolean) => async (req: Request, res: Response) => {
    const auth = res.locals.auth;
    enforce(auth, detail ? 'os_compute_api:servers:detail' : 'os_compute_api:servers:index', { projectId: auth.projectId });
    const q = req.query as Record<string, string | undefined>;
    const allTenants = q.all_tenants !== undefined && !['0', 'false', 'f', 'no', 'off'].includes(q.all_tenants.toLowerCase());
    const everyone = allTenants && allowed(auth, 'os_compute_api:servers:index:get_all_tenants');
    const projectId = everyone ? (q.project_id ?? q.tenant_id) : auth.projectId;
    if (q.sort_key !== undefined && !validSortKey(q.sort_key)) throw badRequest(`Invalid input for query parameters sort_key. Value: ${q.sort_key}.`);
    let vmStates: string[] | undefined;
    if (q.status !== undefined) {
      vmStates = STATUS_TO_VM_STATES[q.status.toUpperCase()];
      if (!vmStates) return void res.json({ servers: [] });
    }
    const limit = Math.min(q.limit !== undefined ? Number(q.limit) : MAX_LIMIT, MAX_LIMIT);
    let changesSince: Date | undefined;
    if (q['changes-since'] !== undefined) {
      changesSince = new Date(q['changes-since']);
      if (Number.isNaN(changesSince.getTime())) throw badRequest(`Invalid input for query parameters changes-since. Value: ${q['changes-since']}. '${q['changes-since']}' is not a 'date-time'`);
    }
    let rows: InstanceRow[];
    try {
      rows = await listInstances(deps.db, {
        projectId,
        name: q.name,
        vmStates,
        image: q.image,
        flavor: q.flavor,
        host: auth.isAdmin ? q.host : undefined,
        ip: q.ip,
        reservationId: q.reservation_id,
        ...tagFilters(q, res.locals.microversion.atLeast('2.26')),
        changesSince,
        includeDeleted: changesSince !== undefined || (auth.isAdmin && q.deleted === 'true'),
        sortKey: q.sort_key ?? 'created_at',
        sortDir: q.sort_dir === 'asc' ? 'asc' : 'desc',
        limit,
        marker: q.marker,
      });
    } catch (err) {
      if (err instanceof MarkerNotFound) throw badRequest(`marker [${q.marker}] not found`);
      throw err;
    }
    const servers = rows.map((r) => (detail ? serverView(r, res, deps.publicUrl) : { id: r.uuid, name: r.name, links: serverLinks(res, deps.publicUrl, r.uuid) }));
    const body: Record<string, unknown> = { servers };
    if (q.limit !== undefined && rows.length === limit && rows.length > 0) {
      const next = new URLSearchParams({ ...(q as Record<string, string>), marker: rows.at(-1)!.uuid });
      body.servers_links = [{ rel: 'next', href: `${collectionUrl(res, deps.publicUrl, detail ? 'servers/detail' : 'servers')}?${next}` }];
    }
    res.json(body);
  };

  bind(router, 'listServersDetail', opts, list(true));
  bind(router, 'listServers', opts, list(false));
  bind(router, 'createServer', opts, createServerHandler(deps));

  bind(router, 'showServer', opts, async (req, res) => {
    res.json({ server: serverView(await load(req, res, 'os_compute_api:servers:show'), res, deps.publicUrl) });
  });

  bind(router, 'updateServer', opts, async (req, res) => {
    const row = await load(req, res, 'os_compute_api:servers:update');
    const change = (req.body as operations['updateServer']['requestBody']['content']['application/json']).server;
    if (change.description !== undefined && !res.locals.microversion.atLeast('2.19')) {
      throw badRequest("Invalid input for field/attribute server. Value: description. Additional properties are not allowed ('description' was unexpected)");
    }
    await appendEvents(deps.db, row.uuid, [{ type: 'updated', changes: { name: change.name, ...(change.description !== undefined ? { description: change.description } : {}) } }], {
      requestId: res.locals.requestId,
    });
    res.json({ server: serverView((await getInstance(deps.db, row.uuid))!, res, deps.publicUrl) });
  });

  bind(router, 'deleteServer', opts, async (req, res) => {
    const row = await load(req, res, 'os_compute_api:servers:delete');
    if (row.locked && !res.locals.auth.isAdmin) throw new ApiError(409, `Instance ${row.uuid} is locked`);
    const requestId = res.locals.requestId;
    try {
      await appendEvents(deps.db, row.uuid, [
        { type: 'state', task_state: 'deleting' },
        { type: 'action_started', action: 'delete', request_id: requestId, user_id: res.locals.auth.userId, project_id: row.project_id, workflow_id: deleteWorkflowId(row.uuid) },
      ], { requestId, expect: { taskStates: [null, 'scheduling', 'networking', 'block_device_mapping', 'spawning', 'deleting'] } });
    } catch (err) {
      if (err instanceof StateConflict) throw new ApiError(409, `Cannot 'delete' instance ${row.uuid} while it is in task_state ${err.taskState}`);
      throw err;
    }
    const userPorts = ((row.request_spec.networks as { portId?: string }[] | undefined) ?? []).flatMap((n) => (n.portId ? [n.portId] : []));
    await startDelete(deps.temporal, deps.controlQueue, { uuid: row.uuid, requestId, userPorts }, row.project_id, row.host);
    res.status(204).end();
  });

  bind(router, 'listServerIps', opts, async (req, res) => {
    res.json({ addresses: addressesView(await load(req, res, 'os_compute_api:ips:index')) });
  });

  bind(router, 'listInstanceActions', opts, async (req, res) => {
    const row = await load(req, res, 'os_compute_api:os-instance-actions:list');
    const v = res.locals.microversion;
    const actions = await listActions(deps.db, row.uuid);
    res.json({
      instanceActions: actions.map((a) => ({
        action: a.action, instance_uuid: a.instance_uuid, message: a.message, project_id: a.project_id, request_id: a.request_id,
        start_time: novaTime(a.start_time)!, user_id: a.user_id, ...(v.atLeast('2.58') ? { updated_at: novaTime(a.updated_at) } : {}),
      })),
    });
  });

  bind(router, 'showInstanceAction', opts, async (req, res) => {
    const row = await load(req, res, 'os_compute_api:os-instance-actions:show');
    const v = res.locals.microversion;
    const found = await getAction(deps.db, row.uuid, param(req, 'request_id'));
    if (!found) throw new ApiError(404, `Action for request_id ${param(req, 'request_id')} on instance ${row.uuid} not found`);
    const seesEvents = v.atLeast('2.51') || allowed(res.locals.auth, 'os_compute_api:os-instance-actions:events', { projectId: row.project_id });
    const admin = res.locals.auth.isAdmin;
    const a = found.action;
    res.json({
      instanceAction: {
        action: a.action, instance_uuid: a.instance_uuid, message: a.message, project_id: a.project_id, request_id: a.request_id,
        start_time: novaTime(a.start_time)!, user_id: a.user_id, ...(v.atLeast('2.58') ? { updated_at: novaTime(a.updated_at) } : {}),
        events: seesEvents
          ? found.events.map((e) => ({
              event: e.event, start_time: novaTime(e.start_time)!, finish_time: novaTime(e.finish_time), result: e.result,
              traceback: admin ? e.traceback : null,
              ...(v.atLeast('2.62') ? { hostId: hostId(row.project_id, e.host), ...(admin ? { host: e.host } : {}) } : {}),
              ...(v.atLeast('2.84') && admin ? { details: e.details } : {}),
            }))
          : [],
      },
    });
  });

  return router;
}
