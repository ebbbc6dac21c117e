/**
 * Migration records through the API: `GET /os-migrations` (every migration, admins; Nova's filters, newest first,
 * paging from 2.59) and `servers/{id}/migrations` (a server's in-progress live migrations, 2.23), with abort
 * (`DELETE`, 2.24) and force-complete (2.22), which signal the live migration's workflow.
 */
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { Router, type Response } from 'express';
import {
  getMigrationByUuid,
  getServerMigration,
  listMigrations,
  LIVE_MIGRATION_IN_PROGRESS,
  type MigrationRow,
} from '../../activities/control/db/migrations.ts';
import type { InstanceRow } from '../../activities/control/db/instances.ts';
import { appendEvents } from '../../activities/control/instances/store.ts';
import { enforce } from '../auth/policy.ts';
import { ApiError, badRequest } from '../faults.ts';
import { bind, param } from '../openapi/route.ts';
import type { ComputeDeps } from './deps.ts';
import { loadServer } from './servers/instance-access.ts';
import { novaTime } from './time.ts';

type Deps = ComputeDeps & { temporal: Client };

/** Nova's osapi max_limit. */
const MAX_LIMIT = 1000;

const num = (v: string | null) => (v === null ? null : Number(v));

function withVersionedFields(res: Response, m: MigrationRow, view: Record<string, unknown>) {
  const v = res.locals.microversion;
  return {
    ...view,
    ...(v.atLeast('2.59') ? { uuid: m.uuid } : {}),
    ...(v.atLeast('2.80') ? { user_id: m.user_id, project_id: m.project_id } : {}),
  };
}

function migrationView(res: Response, publicUrl: string, m: MigrationRow) {
  const v = res.locals.microversion;
  const live = m.migration_type === 'live-migration' && LIVE_MIGRATION_IN_PROGRESS.includes(m.status);
  const href = (base: string) => `${base}/servers/${m.instance_uuid}/migrations/${m.id}`;
  return withVersionedFields(res, m, {
    id: Number(m.id),
    instance_uuid: m.instance_uuid,
    source_node: m.source_node,
    dest_node: m.dest_node,
    source_compute: m.source_compute,
    dest_compute: m.dest_compute,
    dest_host: m.dest_host,
    status: m.status,
    old_instance_type_id: num(m.old_instance_type_id),
    new_instance_type_id: num(m.new_instance_type_id),
    created_at: novaTime(m.created_at),
    updated_at: novaTime(m.updated_at),
    ...(v.atLeast('2.23')
      ? {
          migration_type: m.migration_type,
          ...(live ? { links: [{ rel: 'self', href: href(`${publicUrl}/compute/v2.1`) }, { rel: 'bookmark', href: href(`${publicUrl}/compute`) }] } : {}),
        }
      : {}),
  });
}

function serverMigrationView(res: Response, m: MigrationRow) {
  return withVersionedFields(res, m, {
    id: Number(m.id),
    server_uuid: m.instance_uuid,
    source_node: m.source_node,
    dest_node: m.dest_node,
    source_compute: m.source_compute,
    dest_compute: m.dest_compute,
    dest_host: m.dest_host,
    status: m.status,
    memory_total_bytes: num(m.memory_total),
    memory_processed_bytes: num(m.memory_processed),
    memory_remaining_bytes: num(m.memory_remaining),
    disk_total_bytes: num(m.disk_total),
    disk_processed_bytes: num(m.disk_processed),
    disk_remaining_bytes: num(m.disk_remaining),
    created_at: novaTime(m.created_at),
    updated_at: novaTime(m.updated_at),
  });
}

function date(value: string | undefined, name: string): Date | undefined {
  if (value === undefined) return undefined;
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) throw badRequest(`Invalid input for query parameters ${name}. Value: ${value}. '${value}' is not a 'date-time'`);
  return d;
}

export function migrationRoutes(deps: Deps): Router {
  const router = Router();
  const opts = { validateResponses: deps.validateResponses };

  bind(router, 'listMigrations', opts, async (req, res) => {
    enforce(res.locals.auth, 'os_compute_api:os-migrations:index');
    const v = res.locals.microversion;
    const q = req.query as Record<string, string | undefined>;
    let markerId: number | undefined;
    if (q.marker !== undefined && v.atLeast('2.59')) {
      const marker = await getMigrationByUuid(deps.db, q.marker);
      if (!marker) throw badRequest(`Marker ${q.marker} could not be found.`);
      markerId = Number(marker.id);
    }
    const limit = q.limit !== undefined && v.atLeast('2.59') ? Math.min(Number(q.limit), MAX_LIMIT) : undefined;
    const since = v.atLeast('2.59') ? date(q['changes-since'], 'changes-since') : undefined;
    const before = v.atLeast('2.66') ? date(q['changes-before'], 'changes-before') : undefined;
    if (since && before && since > before) throw badRequest('The value of changes-since must be less than or equal to changes-before.');
    const rows = await listMigrations(deps.db, {
      host: q.host,
      status: q.status,
      instanceUuid: q.instance_uuid,
      migrationType: q.migration_type,
      sourceCompute: q.source_compute,
      changesSince: since,
      changesBefore: before,
      userId: v.atLeast('2.80') ? q.user_id : undefined,
      projectId: v.atLeast('2.80') ? q.project_id : undefined,
      limit,
      markerId,
    });
    const body: Record<string, unknown> = { migrations: rows.map((m) => migrationView(res, deps.publicUrl, m)) };
    if (limit !== undefined && rows.length === limit && rows.length > 0) {
      const next = new URLSearchParams({ ...(q as Record<string, string>), marker: rows.at(-1)!.uuid });
      body.migrations_links = [{ rel: 'next', href: `${deps.publicUrl}/compute/v2.1/os-migrations?${next}` }];
    }
    res.json(body);
  });

  const inProgress = async (serverId: string, rawId: string) => {
    const id = Number(rawId);
    const m = Number.isSafeInteger(id) ? await getServerMigration(deps.db, serverId, id) : undefined;
    if (!m) throw new ApiError(404, `In-progress live migration ${rawId} is not found for server ${serverId}.`);
    if (m.migration_type !== 'live-migration') throw new ApiError(404, `Migration ${rawId} for server ${serverId} is not live-migration.`);
    if (!LIVE_MIGRATION_IN_PROGRESS.includes(m.status)) throw new ApiError(404, `Live migration ${rawId} for server ${serverId} is not in progress.`);
    return m;
  };

  bind(router, 'listServerMigrations', opts, async (req, res) => {
    const row = await loadServer(deps.db, req, res, 'os_compute_api:servers:migrations:index');
    const rows = await listMigrations(deps.db, { instanceUuid: row.uuid, migrationType: 'live-migration' });
    res.json({ migrations: rows.filter((m) => LIVE_MIGRATION_IN_PROGRESS.includes(m.status)).map((m) => serverMigrationView(res, m)) });
  });

  bind(router, 'showServerMigration', opts, async (req, res) => {
    const row = await loadServer(deps.db, req, res, 'os_compute_api:servers:migrations:show');
    res.json({ migration: serverMigrationView(res, await inProgress(row.uuid, param(req, 'migration_id'))) });
  });

  /** Records the request as its own instance action, then hands it to the live migration's workflow. */
  async function signalLiveMigration(res: Response, row: InstanceRow, m: MigrationRow, action: string, event: string, signal: string, refusal: string) {
    const requestId: string = res.locals.requestId;
    // The workflow learns of the request first: one that has just ended cannot take it, and no action is left open.
    try {
      await deps.temporal.workflow.getHandle(m.workflow_id!).signal(signal, { requestId });
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw badRequest(refusal);
      throw err;
    }
    await appendEvents(deps.db, row.uuid, [
      { type: 'action_started', action, request_id: requestId, user_id: res.locals.auth.userId, project_id: row.project_id, workflow_id: m.workflow_id },
      { type: 'action_event_started', request_id: requestId, event, host: m.source_compute },
    ], { requestId });
    res.status(202).end();
  }

  bind(router, 'abortServerMigration', opts, async (req, res) => {
    const row = await loadServer(deps.db, req, res, 'os_compute_api:servers:migrations:delete');
    const rawId = param(req, 'migration_id');
    if ((row.locked && !res.locals.auth.isAdmin) || row.task_state === null) throw new ApiError(409, `Instance ${row.uuid} is in an invalid state for 'abort live migration'`);
    if (row.task_state !== 'migrating') throw new ApiError(409, `Cannot 'abort live migration' instance ${row.uuid} while it is in task_state ${row.task_state}`);
    const id = Number(rawId);
    const m = Number.isSafeInteger(id) ? await getServerMigration(deps.db, row.uuid, id) : undefined;
    if (!m) throw new ApiError(404, `Migration ${rawId} not found for instance ${row.uuid}`);
    const abortable = res.locals.microversion.atLeast('2.65') ? ['queued', 'preparing', 'running'] : ['running'];
    if (m.migration_type !== 'live-migration' || !abortable.includes(m.status)) {
      throw badRequest(`Migration ${rawId} state of instance ${row.uuid} is ${m.status}. Cannot abort live migration while the migration is in this state.`);
    }
    await signalLiveMigration(res, row, m, 'live_migration_cancel', 'compute_live_migration_abort', 'abortLiveMigration',
      `Migration ${rawId} state of instance ${row.uuid} is completed. Cannot abort live migration while the migration is in this state.`);
  });

  bind(router, 'serverMigrationAction', opts, async (req, res) => {
    const row = await loadServer(deps.db, req, res, 'os_compute_api:servers:migrations:force_complete');
    const rawId = param(req, 'migration_id');
    if (row.locked && !res.locals.auth.isAdmin) throw new ApiError(409, `Instance ${row.uuid} is locked`);
    if (row.vm_state !== 'active') throw new ApiError(409, `Cannot 'force_complete' instance ${row.uuid} while it is in vm_state ${row.vm_state}`);
    if (row.task_state === null) throw new ApiError(409, `Instance ${row.uuid} is in an invalid state for 'force_complete'`);
    if (row.task_state !== 'migrating') throw new ApiError(409, `Cannot 'force_complete' instance ${row.uuid} while it is in task_state ${row.task_state}`);
    const id = Number(rawId);
    const m = Number.isSafeInteger(id) ? await getServerMigration(deps.db, row.uuid, id) : undefined;
    if (!m) throw badRequest(`Migration ${rawId} not found for instance ${row.uuid}`);
    if (m.migration_type !== 'live-migration' || m.status !== 'running') {
      throw badRequest(`Migration ${rawId} state of instance ${row.uuid} is ${m.status}. Cannot force complete while the migration is in this state.`);
    }
    await signalLiveMigration(res, row, m, 'live_migration_force_complete', 'compute_live_migration_force_complete', 'forceCompleteLiveMigration',
      `Migration ${rawId} state of instance ${row.uuid} is completed. Cannot force complete while the migration is in this state.`);
  });

  return router;
}
