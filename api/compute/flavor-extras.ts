/**
 * Flavor extra specs (`/flavors/{id}/os-extra_specs`) and private-flavor access (`/flavors/{id}/os-flavor-access`,
 * `addTenantAccess` / `removeTenantAccess` actions), with Nova's bodies, status codes and messages.
 */
import { Router, type Request, type Response } from 'express';
import { getFlavor, type FlavorRow } from '../../activities/control/db/flavors.ts';
import {
  addFlavorProject,
  deleteExtraSpec,
  listFlavorProjects,
  projectExists,
  removeFlavorProject,
  setExtraSpecs,
} from '../../activities/control/db/flavor-extras.ts';
import type { components } from '../../schema/generated/compute/flavor-extras.d.ts';
import { enforce } from '../auth/policy.ts';
import { ApiError, badRequest } from '../faults.ts';
import { bind, param } from '../openapi/route.ts';
import type { ComputeDeps } from './deps.ts';

type ExtraSpecs = components['schemas']['ExtraSpecs'];

/** Nova keeps every value as text: `true` becomes "True", numbers their decimal form. */
function asText(specs: ExtraSpecs): Record<string, string> {
  return Object.fromEntries(Object.entries(specs).map(([k, v]) => [k, typeof v === 'boolean' ? (v ? 'True' : 'False') : String(v)]));
}

export function flavorExtraRoutes(deps: ComputeDeps): Router {
  const router = Router();
  const opts = { validateResponses: deps.validateResponses };

  /** The flavor if the caller may see it (admins: any), else Nova's 404. */
  const load = async (req: Request, res: Response): Promise<FlavorRow> => {
    const auth = res.locals.auth;
    const id = param(req, 'flavor_id');
    const row = await getFlavor(deps.db, id, auth.isAdmin ? undefined : (auth.projectId ?? ''));
    if (!row) throw new ApiError(404, `Flavor ${id} could not be found.`);
    return row;
  };

  const missingKey = (flavor: FlavorRow, key: string) => new ApiError(404, `Flavor ${flavor.flavorid} has no extra specs with key ${key}.`);

  bind(router, 'listFlavorExtraSpecs', opts, async (req, res) => {
    enforce(res.locals.auth, 'os_compute_api:os-flavor-extra-specs:index', { projectId: res.locals.auth.projectId });
    res.json({ extra_specs: (await load(req, res)).extra_specs });
  });

  bind(router, 'createFlavorExtraSpecs', opts, async (req, res) => {
    enforce(res.locals.auth, 'os_compute_api:os-flavor-extra-specs:create');
    const flavor = await load(req, res);
    const specs = asText((req.body as components['schemas']['ExtraSpecsBody']).extra_specs);
    await setExtraSpecs(deps.db, flavor.id, specs);
    res.json({ extra_specs: specs });
  });

  bind(router, 'showFlavorExtraSpec', opts, async (req, res) => {
    enforce(res.locals.auth, 'os_compute_api:os-flavor-extra-specs:show', { projectId: res.locals.auth.projectId });
    const flavor = await load(req, res);
    const key = param(req, 'key');
    if (!(key in flavor.extra_specs)) throw missingKey(flavor, key);
    res.json({ [key]: flavor.extra_specs[key] });
  });

  bind(router, 'updateFlavorExtraSpec', opts, async (req, res) => {
    enforce(res.locals.auth, 'os_compute_api:os-flavor-extra-specs:update');
    const flavor = await load(req, res);
    const key = param(req, 'key');
    const body = req.body as ExtraSpecs;
    if (Object.keys(body).length > 1) throw badRequest('Request body contains too many items');
    if (!(key in body)) throw badRequest('Request body and URI mismatch');
    const specs = asText(body);
    await setExtraSpecs(deps.db, flavor.id, specs);
    res.json(specs);
  });

  bind(router, 'deleteFlavorExtraSpec', opts, async (req, res) => {
    enforce(res.locals.auth, 'os_compute_api:os-flavor-extra-specs:delete');
    const flavor = await load(req, res);
    if (!(await deleteExtraSpec(deps.db, flavor.id, param(req, 'key')))) throw missingKey(flavor, param(req, 'key'));
    res.status(202).end();
  });

  const accessList = async (flavor: FlavorRow) => ({
    flavor_access: (await listFlavorProjects(deps.db, flavor.id)).map((tenant_id) => ({ flavor_id: flavor.flavorid, tenant_id })),
  });

  bind(router, 'listFlavorAccess', opts, async (req, res) => {
    enforce(res.locals.auth, 'os_compute_api:os-flavor-access');
    const flavor = await load(req, res);
    if (flavor.is_public) throw new ApiError(404, 'Access list not available for public flavors.');
    res.json(await accessList(flavor));
  });

  bind(router, 'flavorAction', opts, async (req, res) => {
    const body = req.body as Record<string, { tenant: string } | undefined>;
    const key = Object.keys(body)[0]!;
    if (key === 'addTenantAccess') {
      enforce(res.locals.auth, 'os_compute_api:os-flavor-access:add_tenant_access');
      const flavor = await load(req, res);
      const project = body.addTenantAccess!.tenant;
      if (flavor.is_public) throw new ApiError(409, 'Can not add access to a public flavor.');
      if (!(await projectExists(deps.db, project))) throw badRequest(`Project ID ${project} is not a valid project.`);
      if (!(await addFlavorProject(deps.db, flavor.id, project))) {
        throw new ApiError(409, `Flavor access already exists for flavor ${flavor.flavorid} and project ${project} combination.`);
      }
      return void res.json(await accessList(flavor));
    }
    if (key === 'removeTenantAccess') {
      enforce(res.locals.auth, 'os_compute_api:os-flavor-access:remove_tenant_access');
      const flavor = await load(req, res);
      const project = body.removeTenantAccess!.tenant;
      if (!(await removeFlavorProject(deps.db, flavor.id, project))) {
        throw new ApiError(404, `Flavor access not found for ${flavor.flavorid} / ${project} combination.`);
      }
      return void res.json(await accessList(flavor));
    }
    throw badRequest(`There is no such action: ${key}`);
  });

  return router;
}
