/** os-services: the compute, scheduler and conductor services with their state, and enabling/forcing down hosts. */
import { hostMonitorWorkflowId } from '../../workflows/task-queues.ts';
import { Router, type Response } from 'express';
import {
  deleteComputeService,
  getServiceByUuid,
  listServices,
  updateServiceStatus,
  type ServiceRow,
} from '../../activities/control/db/services.ts';
import { enforce } from '../auth/policy.ts';
import { ApiError } from '../faults.ts';
import { bind, param } from '../openapi/route.ts';
import type { operations } from '../../schema/generated/compute/services.d.ts';
import type { ComputeDeps } from './deps.ts';
import { novaTime } from './time.ts';

export function serviceView(row: ServiceRow, res: Response) {
  const v = res.locals.microversion;
  return {
    id: v.atLeast('2.53') ? row.uuid : Number(row.id),
    binary: row.binary,
    disabled_reason: row.disabled_reason,
    host: row.host,
    state: row.is_up ? ('up' as const) : ('down' as const),
    status: row.disabled ? ('disabled' as const) : ('enabled' as const),
    updated_at: novaTime(row.last_seen_at ?? row.updated_at),
    zone: row.availability_zone,
    ...(v.atLeast('2.11') ? { forced_down: row.forced_down } : {}),
  };
}

type UpdateBody = operations['updateService']['requestBody']['content']['application/json'];

export function serviceRoutes(deps: ComputeDeps): Router {
  const router = Router();
  const opts = { validateResponses: deps.validateResponses };

  bind(router, 'listServices', opts, async (req, res) => {
    enforce(res.locals.auth, 'os_compute_api:os-services:list');
    const { host, binary } = req.query as { host?: string; binary?: string };
    const rows = (await listServices(deps.db, deps.serviceDownTimeSeconds)).filter(
      (s) => (host === undefined || s.host === host) && (binary === undefined || s.binary === binary),
    );
    res.json({ services: rows.map((r) => serviceView(r, res)) });
  });

  bind(router, 'updateService', opts, async (req, res) => {
    enforce(res.locals.auth, 'os_compute_api:os-services:update');
    const id = param(req, 'service_id');
    const body = req.body as UpdateBody;
    const row = await getServiceByUuid(deps.db, id, deps.serviceDownTimeSeconds);
    if (!row) throw new ApiError(404, `Service ${id} could not be found.`);
    if (row.binary !== 'nova-compute') {
      throw new ApiError(400, `Updating a ${row.binary} service is not supported. Only nova-compute services can be updated.`);
    }
    if (body.disabled_reason !== undefined && body.status !== 'disabled') {
      throw new ApiError(400, 'Specifying a disabled reason is not supported unless the status is disabled.');
    }
    await updateServiceStatus(deps.db, id, {
      disabled: body.status === undefined ? undefined : body.status === 'disabled',
      disabledReason: body.disabled_reason ?? null,
      forcedDown: body.forced_down,
    });
    if (body.forced_down === false) {
      // The operator says the host is back: its monitor cleans up guests evacuated away from it meanwhile.
      await deps.temporal.workflow.getHandle(hostMonitorWorkflowId(row.host)).signal('serviceChanged').catch(() => undefined);
    }
    res.json({ service: serviceView((await getServiceByUuid(deps.db, id, deps.serviceDownTimeSeconds))!, res) });
  });

  bind(router, 'deleteService', opts, async (req, res) => {
    enforce(res.locals.auth, 'os_compute_api:os-services:delete');
    const id = param(req, 'service_id');
    const row = await getServiceByUuid(deps.db, id, deps.serviceDownTimeSeconds);
    if (!row) throw new ApiError(404, `Service ${id} could not be found.`);
    if (row.binary !== 'nova-compute') throw new ApiError(400, `Deleting a ${row.binary} service is not supported.`);
    const outcome = await deleteComputeService(deps.db, id);
    if (outcome === 'in-use') {
      throw new ApiError(409, `Unable to delete compute service that has in-progress migrations or hosts instances: ${row.host}.`);
    }
    if (outcome === 'missing') throw new ApiError(404, `Service ${id} could not be found.`);
    res.status(204).end();
  });

  return router;
}
