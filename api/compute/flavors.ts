/** Flavors: list (summary and detail), show, and admin create, update (2.55+) and delete. */
import { Router, type Request, type Response } from 'express';
import {
  createFlavor,
  deleteFlavor,
  getFlavor,
  listFlavors,
  MarkerNotFound,
  updateFlavorDescription,
  type FlavorRow,
} from '../../activities/control/db/flavors.ts';
import { allowed, enforce } from '../auth/policy.ts';
import { ApiError } from '../faults.ts';
import { bind, param } from '../openapi/route.ts';
import type { components, operations } from '../../schema/generated/compute/flavors.d.ts';
import type { ComputeDeps } from './deps.ts';
import { collectionUrl, resourceLinks } from './links.ts';

const DEFAULT_LIMIT = 1000;

function flavorView(row: FlavorRow, req: Request, res: Response, deps: ComputeDeps, detail: boolean) {
  const v = res.locals.microversion;
  const links = resourceLinks(res, deps.publicUrl, 'flavors', row.flavorid);
  const description = v.atLeast('2.55') ? { description: row.description } : {};
  if (!detail) return { id: row.flavorid, name: row.name, ...description, links };
  return {
    id: row.flavorid,
    name: row.name,
    ram: row.memory_mb,
    disk: row.root_gb,
    vcpus: row.vcpus,
    swap: v.atLeast('2.75') ? row.swap : row.swap || '',
    rxtx_factor: row.rxtx_factor,
    'OS-FLV-EXT-DATA:ephemeral': row.ephemeral_gb,
    'OS-FLV-DISABLED:disabled': row.disabled,
    'os-flavor-access:is_public': row.is_public,
    ...description,
    ...(v.atLeast('2.61') && allowed(res.locals.auth, 'os_compute_api:os-flavor-extra-specs:index', { projectId: res.locals.auth.projectId })
      ? { extra_specs: row.extra_specs }
      : {}),
    links,
  };
}

/** Nova's `is_public` filter: admins may ask for private flavors or all (`None`); others always get what they may use. */
function isPublicFilter(req: Request, isAdmin: boolean): boolean | 'all' | undefined {
  const raw = req.query.is_public;
  if (!isAdmin) return undefined;
  if (typeof raw !== 'string') return true;
  const lowered = raw.toLowerCase();
  if (lowered === 'none') return 'all';
  if (['true', 't', 'yes', 'y', 'on', '1'].includes(lowered)) return true;
  if (['false', 'f', 'no', 'n', 'off', '0'].includes(lowered)) return false;
  throw new ApiError(400, `Invalid is_public filter [${raw}]`);
}

function toInt(value: unknown): number {
  return typeof value === 'number' ? value : value === '' || value === undefined ? 0 : Number(value);
}

function toBool(value: unknown): boolean {
  if (typeof value === 'boolean') return value;
  const lowered = String(value).toLowerCase();
  if (['true', 't', 'yes', 'y', 'on', '1'].includes(lowered)) return true;
  if (['false', 'f', 'no', 'n', 'off', '0'].includes(lowered)) return false;
  throw new ApiError(400, `Invalid input for field/attribute os-flavor-access:is_public. Value: ${String(value)}. not a boolean`);
}

export function flavorRoutes(deps: ComputeDeps): Router {
  const router = Router();
  const opts = { validateResponses: deps.validateResponses };

  const list = (detail: boolean) => async (req: Request, res: Response) => {
    const auth = res.locals.auth;
    const q = req.query as Record<string, string | undefined>;
    const limit = q.limit !== undefined ? Math.min(Number(q.limit), DEFAULT_LIMIT) : undefined;
    let rows: FlavorRow[];
    try {
      rows = await listFlavors(deps.db, {
        isPublic: isPublicFilter(req, auth.isAdmin),
        projectId: auth.isAdmin ? undefined : auth.projectId ?? '',
        minRam: q.minRam !== undefined ? Number(q.minRam) : undefined,
        minDisk: q.minDisk !== undefined ? Number(q.minDisk) : undefined,
        sortKey: q.sort_key ?? 'flavorid',
        sortDir: q.sort_dir === 'desc' ? 'desc' : 'asc',
        limit: limit ?? DEFAULT_LIMIT,
        markerFlavorId: q.marker,
      });
    } catch (err) {
      if (err instanceof MarkerNotFound) throw new ApiError(400, `marker [${err.message}] not found`);
      throw err;
    }
    const body: Record<string, unknown> = { flavors: rows.map((r) => flavorView(r, req, res, deps, detail)) };
    if (limit !== undefined && rows.length === limit && rows.length > 0) {
      const next = new URLSearchParams({ ...q, marker: rows.at(-1)!.flavorid } as Record<string, string>);
      body.flavors_links = [{ rel: 'next', href: `${collectionUrl(res, deps.publicUrl, detail ? 'flavors/detail' : 'flavors')}?${next}` }];
    }
    res.json(body);
  };

  const load = async (req: Request, res: Response) => {
    const auth = res.locals.auth;
    const row = await getFlavor(deps.db, param(req, 'flavor_id'), auth.isAdmin ? undefined : auth.projectId ?? '');
    if (!row) throw new ApiError(404, `Flavor ${param(req, 'flavor_id')} could not be found.`);
    return row;
  };

  bind(router, 'listFlavorsDetail', opts, list(true));
  bind(router, 'listFlavors', opts, list(false));
  bind(router, 'showFlavor', opts, async (req, res) => {
    res.json({ flavor: flavorView(await load(req, res), req, res, deps, true) });
  });

  bind(router, 'createFlavor', opts, async (req, res) => {
    enforce(res.locals.auth, 'os_compute_api:os-flavor-manage:create');
    const f = (req.body as components['schemas']['FlavorCreateRequest']).flavor;
    if (f.description !== undefined && !res.locals.microversion.atLeast('2.55')) {
      throw new ApiError(400, "Invalid input for field/attribute flavor. Value: description. Additional properties are not allowed ('description' was unexpected)");
    }
    const created = await createFlavor(deps.db, {
      flavorid: f.id ?? undefined,
      name: String(f.name).trim(),
      memoryMb: toInt(f.ram),
      vcpus: toInt(f.vcpus),
      rootGb: toInt(f.disk),
      ephemeralGb: toInt(f['OS-FLV-EXT-DATA:ephemeral']),
      swap: toInt(f.swap),
      rxtxFactor: f.rxtx_factor === undefined ? 1.0 : Number(f.rxtx_factor),
      isPublic: f['os-flavor-access:is_public'] === undefined ? true : toBool(f['os-flavor-access:is_public']),
      description: f.description ?? null,
    });
    if ('conflict' in created) {
      throw new ApiError(409, created.conflict === 'name' ? `Flavor with name ${String(f.name)} already exists.` : `Flavor with ID ${String(f.id)} already exists.`);
    }
    res.json({ flavor: flavorView(created, req, res, deps, true) });
  });

  bind(router, 'updateFlavor', opts, async (req, res) => {
    enforce(res.locals.auth, 'os_compute_api:os-flavor-manage:update');
    const row = await load(req, res);
    const { description } = (req.body as operations['updateFlavor']['requestBody']['content']['application/json']).flavor;
    await updateFlavorDescription(deps.db, row.flavorid, description);
    res.json({ flavor: flavorView((await load(req, res))!, req, res, deps, true) });
  });

  bind(router, 'deleteFlavor', opts, async (req, res) => {
    enforce(res.locals.auth, 'os_compute_api:os-flavor-manage:delete');
    if (!(await deleteFlavor(deps.db, param(req, 'flavor_id')))) {
      throw new ApiError(404, `Flavor ${param(req, 'flavor_id')} could not be found.`);
    }
    res.status(202).end();
  });

  return router;
}
