/** os-hypervisors (admin): every hypervisor with its service, state and, before 2.88, its usage. */
import { Router, type Request, type Response } from 'express';
import { listHypervisors, type HypervisorRow } from '../../activities/control/db/hypervisors.ts';
import { enforce } from '../auth/policy.ts';
import { ApiError } from '../faults.ts';
import { bind, param } from '../openapi/route.ts';
import type { ComputeDeps } from './deps.ts';

function summaryView(row: HypervisorRow, res: Response) {
  return {
    id: res.locals.microversion.atLeast('2.53') ? row.uuid : Number(row.id),
    hypervisor_hostname: row.name,
    state: row.is_up ? ('up' as const) : ('down' as const),
    status: row.disabled ? ('disabled' as const) : ('enabled' as const),
  };
}

function detailView(row: HypervisorRow, res: Response) {
  const v = res.locals.microversion;
  const usage = v.atLeast('2.88')
    ? { uptime: null }
    : {
        vcpus: row.vcpus,
        memory_mb: row.memory_mb,
        local_gb: row.local_gb,
        vcpus_used: row.vcpus_used,
        memory_mb_used: row.memory_mb_used,
        local_gb_used: row.local_gb_used,
        free_ram_mb: row.memory_mb - row.memory_mb_used,
        free_disk_gb: row.local_gb - row.local_gb_used,
        current_workload: 0,
        running_vms: row.running_vms,
        disk_available_least: row.local_gb - row.local_gb_used,
        cpu_info: JSON.stringify({ arch: 'x86_64', vendor: row.hypervisor_type, topology: { cores: row.vcpus, threads: 1, sockets: 1 } }),
      };
  return {
    ...summaryView(row, res),
    host_ip: row.host_ip,
    hypervisor_type: row.hypervisor_type,
    hypervisor_version: row.hypervisor_version,
    service: {
      host: row.host,
      id: v.atLeast('2.53') ? (row.service_uuid ?? '') : Number(row.service_id ?? 0),
      disabled_reason: row.disabled_reason,
    },
    ...usage,
  };
}

export function hypervisorRoutes(deps: ComputeDeps): Router {
  const router = Router();
  const opts = { validateResponses: deps.validateResponses };
  const rows = (req: Request) =>
    listHypervisors(deps.db, deps.serviceDownTimeSeconds, {
      pattern: typeof req.query.hypervisor_hostname_pattern === 'string' ? req.query.hypervisor_hostname_pattern : undefined,
    });

  bind(router, 'listHypervisorsDetail', opts, async (req, res) => {
    enforce(res.locals.auth, 'os_compute_api:os-hypervisors:list-detail');
    res.json({ hypervisors: (await rows(req)).map((r) => detailView(r, res)) });
  });
  bind(router, 'listHypervisors', opts, async (req, res) => {
    enforce(res.locals.auth, 'os_compute_api:os-hypervisors:list');
    res.json({ hypervisors: (await rows(req)).map((r) => summaryView(r, res)) });
  });
  bind(router, 'showHypervisor', opts, async (req, res) => {
    enforce(res.locals.auth, 'os_compute_api:os-hypervisors:show');
    const id = param(req, 'hypervisor_id');
    const [row] = await listHypervisors(deps.db, deps.serviceDownTimeSeconds, { id });
    if (!row) throw new ApiError(404, `Hypervisor with ID ${id} could not be found.`);
    res.json({ hypervisor: detailView(row, res) });
  });
  return router;
}
