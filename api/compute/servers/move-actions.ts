/**
 * The move actions of `POST /servers/{id}/action`: resize, confirmResize, revertResize, migrate, os-migrateLive
 * and evacuate. Each checks what Nova checks before answering (flavor, quota, target host, source service state),
 * then records the instance action, the migration record and the first task_state in one compare-and-swap
 * append, and starts the operation's workflow. Confirm and revert check the migration they end is still finished.
 */
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { Response } from 'express';
import type { InstanceRow } from '../../../activities/control/db/instances.ts';
import { getFlavor, type FlavorRow } from '../../../activities/control/db/flavors.ts';
import { moveUnderWay } from '../../../activities/control/db/migrations.ts';
import { computeServiceOf } from '../../../activities/control/db/services.ts';
import { computeUsage, quotaLimits } from '../../../activities/control/db/quotas.ts';
import type { FlavorSnapshot } from '../../../activities/control/instances/events.ts';
import { StateConflict } from '../../../activities/control/instances/store.ts';
import {
  abandonMove,
  abandonResizeEnd,
  bootsFromVolume,
  currentFlavor,
  flavorSnapshot,
  evacuationPlan,
  liveMigrationPlan,
  NotResized,
  recordMove,
  recordResizeEnd,
  resizePlan,
  type MovePlan,
} from '../../../activities/control/move-requests.ts';
import { enforce } from '../../auth/policy.ts';
import { ApiError, badRequest } from '../../faults.ts';
import { DEFAULT_MOVE_SETTINGS, type ComputeDeps } from '../deps.ts';
import { startInstanceWorkflow } from './start.ts';

type Deps = ComputeDeps & { temporal: Client };

export interface MoveRequest {
  res: Response;
  row: InstanceRow;
  body: Record<string, unknown>;
}

export function moveActions(deps: Deps) {
  const settings = deps.moves ?? DEFAULT_MOVE_SETTINGS;

  const computeService = (host: string) => computeServiceOf(deps.db, host, deps.serviceDownTimeSeconds);

  const refuseIfLocked = (res: Response, row: InstanceRow) => {
    if (row.locked && !res.locals.auth.isAdmin) throw new ApiError(409, `Instance ${row.uuid} is locked`);
  };

  /** Nova's 409 when the state refuses, naming the state that refused. */
  const refused = (row: InstanceRow, action: string, err: StateConflict, vmStates: readonly string[]) =>
    new ApiError(409, `Cannot '${action}' instance ${row.uuid} while it is in ${vmStates.includes(err.vmState) ? `task_state ${err.taskState}` : `vm_state ${err.vmState}`}`);

  /** Records the move (action, migration, first task_state), then starts its workflow; one that cannot start is undone. */
  async function begin(m: MoveRequest, plan: MovePlan): Promise<void> {
    const { res, row } = m;
    const requestId: string = res.locals.requestId;
    let started;
    try {
      started = await recordMove(deps.db, row, plan, { requestId, userId: res.locals.auth.userId, migrationUuid: randomUUID() });
    } catch (err) {
      if (err instanceof StateConflict) throw refused(row, plan.action, err, plan.vmStates);
      throw err;
    }
    try {
      await startInstanceWorkflow(deps.temporal, deps.controlQueue, started.workflow, {
        workflowId: started.workflowId, uuid: row.uuid, projectId: row.project_id, requestId, operation: plan.action, host: row.host, args: started.args,
      });
    } catch (err) {
      await abandonMove(deps.db, row.uuid, started, requestId);
      throw err;
    }
  }

  /** A named destination must exist; `sameHost` is the 400 for naming the server's own host (live: none, it fails later). */
  async function checkTargetHost(host: string | null | undefined, row: InstanceRow, sameHost?: string): Promise<string | undefined> {
    if (host === undefined || host === null) return undefined;
    if (!(await computeService(host))) throw badRequest(`Compute host ${host} could not be found.`);
    if (sameHost && host === row.host) throw badRequest(sameHost);
    return host;
  }

  /** Resize and cold migration need the server on a host whose compute service is up (Nova's 409s). */
  async function checkSource(row: InstanceRow) {
    if (!row.host) throw new ApiError(409, `Instance ${row.uuid} is not ready`);
    if (!(await computeService(row.host))?.up) throw new ApiError(409, 'Service is unavailable at this time.');
  }

  async function resizeOrMigrate(m: MoveRequest, kind: 'resize' | 'migration', newFlavor: FlavorSnapshot, targetHost?: string) {
    const oldFlavor = await currentFlavor(deps.db, m.row);
    await begin(m, resizePlan(m.row, kind, { old: oldFlavor, new: newFlavor }, m.res.locals.requestId, settings, targetHost));
    m.res.status(202).end();
  }

  async function endResize(m: MoveRequest, action: 'confirmResize' | 'revertResize') {
    const { row, res } = m;
    enforce(res.locals.auth, action === 'confirmResize' ? 'os_compute_api:servers:confirm_resize' : 'os_compute_api:servers:revert_resize', { projectId: row.project_id });
    refuseIfLocked(res, row);
    const requestId: string = res.locals.requestId;
    let started;
    try {
      started = await recordResizeEnd(deps.db, row, action, { requestId, userId: res.locals.auth.userId });
    } catch (err) {
      if (err instanceof NotResized) throw badRequest(err.message);
      if (err instanceof StateConflict) throw refused(row, action, err, ['resized']);
      throw err;
    }
    try {
      await startInstanceWorkflow(deps.temporal, deps.controlQueue, started.workflow, {
        workflowId: started.workflowId, uuid: row.uuid, projectId: row.project_id, requestId, operation: action, host: started.args.destHost as string, args: started.args,
      });
    } catch (err) {
      await abandonResizeEnd(deps.db, row.uuid, started.migrationUuid, requestId);
      throw err;
    }
    res.status(action === 'confirmResize' ? 204 : 202).end();
  }

  return {
    async resize(m: MoveRequest) {
      const { row, res } = m;
      enforce(res.locals.auth, 'os_compute_api:servers:resize', { projectId: row.project_id });
      refuseIfLocked(res, row);
      const ref = String((m.body.resize as { flavorRef: string | number }).flavorRef);
      const flavor = await getFlavor(deps.db, ref, res.locals.auth.isAdmin ? undefined : (res.locals.auth.projectId ?? ''));
      if (!flavor || flavor.disabled) throw badRequest(`Flavor ${ref} could not be found.`);
      if (flavor.flavorid === row.flavor.flavorid) throw badRequest('When resizing, instances must change flavor!');
      if (!bootsFromVolume(row.request_spec) && flavor.root_gb === 0) {
        throw badRequest('Server disk was unable to be resized because: Resize to zero disk flavor is not allowed.');
      }
      if (!['active', 'stopped'].includes(row.vm_state)) throw new ApiError(409, `Cannot 'resize' instance ${row.uuid} while it is in vm_state ${row.vm_state}`);
      await checkSource(row);
      await checkResizeQuota(row, flavor);
      await resizeOrMigrate(m, 'resize', flavorSnapshot(flavor));
    },

    async migrate(m: MoveRequest) {
      const { row, res } = m;
      enforce(res.locals.auth, 'os_compute_api:os-migrate-server:migrate', { projectId: row.project_id });
      refuseIfLocked(res, row);
      // Before 2.56 Nova does not read the body: a host there is ignored.
      const host = res.locals.microversion.atLeast('2.56') ? (m.body.migrate as { host?: string | null } | null)?.host : undefined;
      const target = await checkTargetHost(host, row, 'Cannot migrate to the host where the server exists.');
      if (!['active', 'stopped'].includes(row.vm_state)) throw new ApiError(409, `Cannot 'migrate' instance ${row.uuid} while it is in vm_state ${row.vm_state}`);
      await checkSource(row);
      await resizeOrMigrate(m, 'migration', await currentFlavor(deps.db, row), target);
    },

    confirmResize: (m: MoveRequest) => endResize(m, 'confirmResize'),
    revertResize: (m: MoveRequest) => endResize(m, 'revertResize'),

    async liveMigrate(m: MoveRequest) {
      const { row, res } = m;
      const v = res.locals.microversion;
      enforce(res.locals.auth, 'os_compute_api:os-migrate-server:migrate_live', { projectId: row.project_id });
      const body = m.body['os-migrateLive'] as { host?: string | null; block_migration?: unknown; disk_over_commit?: unknown; force?: boolean };
      const unexpected = (field: string) =>
        badRequest(`Invalid input for field/attribute os-migrateLive. Value: ${JSON.stringify(body)}. Additional properties are not allowed ('${field}' was unexpected)`);
      if (body.disk_over_commit !== undefined && v.atLeast('2.25')) throw unexpected('disk_over_commit');
      if (body.disk_over_commit === undefined && !v.atLeast('2.25')) throw badRequest("Invalid input for field/attribute os-migrateLive. Value: {}. 'disk_over_commit' is a required property");
      if (body.block_migration === 'auto' && !v.atLeast('2.25')) throw badRequest("Invalid input for field/attribute block_migration. Value: auto. 'auto' is not of type 'boolean'");
      if (body.force !== undefined && (!v.atLeast('2.30') || v.atLeast('2.68'))) throw unexpected('force');
      if (body.force === true && (body.host === undefined || body.host === null)) throw badRequest("Can't force to a non-provided destination");
      refuseIfLocked(res, row);
      const target = await checkTargetHost(body.host, row);
      await begin(m, liveMigrationPlan(row, await currentFlavor(deps.db, row), res.locals.requestId, target));
      res.status(202).end();
    },

    async evacuate(m: MoveRequest) {
      const { row, res } = m;
      const v = res.locals.microversion;
      enforce(res.locals.auth, 'os_compute_api:os-evacuate', { projectId: row.project_id });
      const body = (m.body.evacuate ?? {}) as { host?: string; adminPass?: string; onSharedStorage?: unknown; force?: boolean };
      const unexpected = (field: string) =>
        badRequest(`Invalid input for field/attribute evacuate. Value: ${JSON.stringify(body)}. Additional properties are not allowed ('${field}' was unexpected)`);
      if (body.onSharedStorage !== undefined && v.atLeast('2.14')) throw unexpected('onSharedStorage');
      if (body.onSharedStorage === undefined && !v.atLeast('2.14')) throw badRequest("Invalid input for field/attribute evacuate. Value: {}. 'onSharedStorage' is a required property");
      const shared = body.onSharedStorage === true || String(body.onSharedStorage).toLowerCase() === 'true';
      if (!v.atLeast('2.14') && shared && body.adminPass !== undefined) throw badRequest("admin password can't be changed on existing disk");
      if (body.force !== undefined && (!v.atLeast('2.29') || v.atLeast('2.68'))) throw unexpected('force');
      if (body.force === true && body.host === undefined) throw badRequest("Can't force to a non-provided destination");
      if (body.host !== undefined) {
        if (!(await computeService(body.host))) throw new ApiError(404, `Compute host ${body.host} not found.`);
      }
      if ((body.host ?? null) === row.host) throw badRequest("The target host can't be the same one.");
      const source = await computeService(row.host!);
      if (source?.up) throw badRequest(`Compute service of ${row.host} is still in use.`);
      // Nova takes any task_state here (to rescue a stuck server); a move of ours still under way must end first.
      if (await moveUnderWay(deps.db, row.uuid)) throw new ApiError(409, `Cannot 'evacuate' instance ${row.uuid} while it is in task_state ${row.task_state}`);
      // Before 2.95 the server ends as it was (an errored one active); from 2.95 stopped, unless it was in error.
      const finalVmState = v.atLeast('2.95') ? (row.vm_state === 'error' ? 'active' : 'stopped') : row.vm_state === 'stopped' ? 'stopped' : 'active';
      await begin(m, evacuationPlan(row, await currentFlavor(deps.db, row), res.locals.requestId, finalVmState, body.host));
      if (v.atLeast('2.14')) return void res.status(200).end();
      res.status(200).json({ adminPass: body.adminPass ?? randomUUID().replace(/-/g, '').slice(0, 12) });
    },
  };

  async function checkResizeQuota(row: InstanceRow, flavor: FlavorRow) {
    const [limits, used] = await Promise.all([quotaLimits(deps.db, row.project_id), computeUsage(deps.db, row.project_id)]);
    const over: { name: string; requested: number; used: number; limit: number }[] = [];
    const cores = flavor.vcpus - row.flavor.vcpus;
    const ram = flavor.memory_mb - row.flavor.memory_mb;
    if (cores > 0 && limits.cores >= 0 && used.cores + cores > limits.cores) over.push({ name: 'cores', requested: cores, used: used.cores, limit: limits.cores });
    if (ram > 0 && limits.ram >= 0 && used.ram + ram > limits.ram) over.push({ name: 'ram', requested: ram, used: used.ram, limit: limits.ram });
    if (!over.length) return;
    const names = over.map((o) => o.name).join(', ');
    throw new ApiError(
      403,
      `Quota exceeded for ${names}: Requested ${over.map((o) => o.requested).join(', ')}, but already used ${over.map((o) => o.used).join(', ')} of ${over.map((o) => o.limit).join(', ')} ${names}`,
    );
  }
}
