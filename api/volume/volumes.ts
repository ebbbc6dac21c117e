/** `/v3/{project_id}/volumes`: list, detail, show, create, update, delete. */
import { Router, type Request } from 'express';
import { z } from 'zod';
import { volumeNotFound } from '../../activities/services/volume/errors.ts';
import { createVolume, deleteVolume, getVolume, listVolumes, provisionVolume, updateVolume, type Volume } from '../../activities/services/volume/volumes.ts';
import type { AuthContext } from '../auth/context.ts';
import { allowed, enforce } from '../auth/policy.ts';
import { ApiError, badRequest } from '../faults.ts';
import type { ServiceDeps } from '../service-deps.ts';
import { validate } from '../validation.ts';
import { DEFAULT_TYPE_ID, DEFAULT_TYPE_NAME, volumeDetail, volumeSummary, type ViewContext } from './views.ts';

const metadata = z.record(z.string().min(1).max(255), z.string().max(255));
const size = z.preprocess((v) => (typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v), z.number().int().min(1).max(2 ** 31 - 1));
const unsupported = z.null().optional();

const createSchema = z.object({
  volume: z.object({
    size,
    name: z.string().max(255).nullable().optional(),
    description: z.string().max(255).nullable().optional(),
    imageRef: z.string().max(255).nullable().optional(),
    volume_type: z.string().max(255).nullable().optional(),
    availability_zone: z.string().max(255).nullable().optional(),
    metadata: metadata.nullable().optional(),
    multiattach: z.boolean().nullable().optional(),
    snapshot_id: unsupported,
    source_volid: unsupported,
    backup_id: unsupported,
    consistencygroup_id: unsupported,
    group_id: unsupported,
  }),
});

const updateSchema = z.object({
  volume: z.object({
    name: z.string().max(255).nullable().optional(),
    description: z.string().max(255).nullable().optional(),
    metadata: metadata.optional(),
  }),
});

export function visibleVolume(auth: AuthContext, volume: Volume | undefined, id: string, rule = 'volume:get'): Volume {
  if (!volume || !(auth.isAdmin || volume.project_id === auth.projectId) || !allowed(auth, rule, { projectId: volume.project_id })) {
    throw volumeNotFound(id);
  }
  return volume;
}

function bool(text: unknown): boolean {
  return typeof text === 'string' && ['1', 'true', 't', 'yes', 'y', 'on'].includes(text.toLowerCase());
}

export function viewContext(deps: ServiceDeps, req: Request, auth: AuthContext, projectId?: string): ViewContext {
  return {
    publicUrl: deps.publicUrl,
    version: req.res!.locals.volumeVersion,
    admin: allowed(auth, 'volume_extension:volume_host_attribute'),
    tenantAttribute: allowed(auth, 'volume_extension:volume_tenant_attribute', { projectId: projectId ?? auth.projectId }),
  };
}

type Query = Record<string, unknown>;
const one = (q: Query, key: string) => (typeof q[key] === 'string' ? (q[key] as string) : undefined);

/** Cinder's list: own project (admins: every project with all_tenants), filters, sort, limit/marker paging. */
async function listing(deps: ServiceDeps, auth: AuthContext, query: Query): Promise<{ volumes: Volume[]; next?: string; count: number }> {
  enforce(auth, 'volume:get_all', { projectId: auth.projectId });
  const everyProject = bool(one(query, 'all_tenants')) && allowed(auth, 'volume:get_all_across_projects');
  const projectId = everyProject ? one(query, 'project_id') : auth.projectId ?? '';
  let volumes = await listVolumes(deps.db, { projectId, name: one(query, 'name'), status: one(query, 'status') });
  const like = one(query, 'name~');
  if (like !== undefined) volumes = volumes.filter((v) => (v.name ?? '').includes(like));
  const wantedMetadata = one(query, 'metadata');
  if (wantedMetadata !== undefined) {
    let parsed: Record<string, string>;
    try {
      parsed = JSON.parse(wantedMetadata.replaceAll("'", '"')) as Record<string, string>;
    } catch {
      throw badRequest(`Invalid filter metadata: ${wantedMetadata}`);
    }
    volumes = volumes.filter((v) => Object.entries(parsed).every(([k, val]) => v.metadata[k] === String(val)));
  }
  volumes = sortVolumes(volumes, query);
  const count = volumes.length;
  const marker = one(query, 'marker');
  if (marker !== undefined) {
    const at = volumes.findIndex((v) => v.id === marker);
    if (at < 0) throw new ApiError(404, `Marker ${marker} could not be found.`);
    volumes = volumes.slice(at + 1);
  }
  const limitText = one(query, 'limit');
  if (limitText !== undefined) {
    if (!/^\d+$/.test(limitText)) throw badRequest(`Invalid input received: limit must be an integer 0 or greater and not '${limitText}'`);
    const limit = Number(limitText);
    if (limit > 0 && volumes.length > limit) {
      volumes = volumes.slice(0, limit);
      return { volumes, next: volumes[volumes.length - 1]!.id, count };
    }
  }
  return { volumes, count };
}

const SORTABLE = new Set(['created_at', 'updated_at', 'id', 'name', 'status', 'size', 'availability_zone']);

function sortVolumes(volumes: Volume[], query: Query): Volume[] {
  const sort = one(query, 'sort') ?? (one(query, 'sort_key') ? `${one(query, 'sort_key')}:${one(query, 'sort_dir') ?? 'desc'}` : undefined);
  if (!sort) return volumes;
  const keys = sort.split(',').map((part) => {
    const [key = '', dir = 'desc'] = part.split(':');
    if (!SORTABLE.has(key)) throw badRequest(`Invalid input received: Invalid sort key ${key}`);
    if (dir !== 'asc' && dir !== 'desc') throw badRequest(`Invalid input received: Invalid sort direction ${dir}`);
    return { key: key as keyof Volume, sign: dir === 'asc' ? 1 : -1 };
  });
  const value = (v: Volume, key: keyof Volume) => {
    const x = v[key];
    return x instanceof Date ? x.getTime() : (x as string | number | null);
  };
  return [...volumes].sort((a, b) => {
    for (const { key, sign } of keys) {
      const [x, y] = [value(a, key), value(b, key)];
      if (x !== y) return (x === null ? -1 : y === null ? 1 : x < y ? -1 : 1) * sign;
    }
    return 0;
  });
}

export function volumeRoutes(deps: ServiceDeps): Router {
  const router = Router();
  const { db } = deps;
  const load = async (auth: AuthContext, id: string, rule?: string) => visibleVolume(auth, await getVolume(db, id), id, rule);

  async function list(req: Request, detail: boolean) {
    const auth = req.res!.locals.auth;
    const { volumes, next, count } = await listing(deps, auth, req.query);
    const body: Record<string, unknown> = {
      volumes: volumes.map((v) => (detail ? volumeDetail(viewContext(deps, req, auth, v.project_id), v) : volumeSummary(deps.publicUrl, v))),
    };
    if (next) {
      const params = new URLSearchParams(Object.entries(req.query).filter((e): e is [string, string] => typeof e[1] === 'string' && e[0] !== 'marker'));
      params.set('marker', next);
      body.volumes_links = [{ rel: 'next', href: `${deps.publicUrl}/volume/v3/${auth.projectId ?? ''}/volumes${detail ? '/detail' : ''}?${params}` }];
    }
    if (bool(one(req.query, 'with_count')) && req.res!.locals.volumeVersion.atLeast('3.45')) body.count = count;
    return body;
  }

  router.get('/volumes', async (req, res) => void res.json(await list(req, false)));
  router.get('/volumes/detail', async (req, res) => void res.json(await list(req, true)));

  router.get('/volumes/:id', async (req, res) => {
    const auth = res.locals.auth;
    const volume = await load(auth, req.params.id);
    res.json({ volume: volumeDetail(viewContext(deps, req, auth, volume.project_id), volume) });
  });

  router.post('/volumes', async (req, res) => {
    const auth = res.locals.auth;
    if (!auth.projectId) throw badRequest('A project-scoped token is required to create a volume.');
    enforce(auth, 'volume:create', { projectId: auth.projectId });
    const { volume: body } = validate(createSchema, req.body);
    const type = body.volume_type;
    if (type && type !== DEFAULT_TYPE_NAME && type !== DEFAULT_TYPE_ID) {
      throw new ApiError(404, `Volume type with name ${type} could not be found.`);
    }
    const zone = body.availability_zone;
    if (zone && zone !== 'nova') throw badRequest(`Invalid input received: Availability zone '${zone}' is invalid.`);
    const volume = await createVolume(db, {
      projectId: auth.projectId,
      userId: auth.userId,
      size: body.size,
      name: body.name,
      description: body.description,
      imageId: body.imageRef,
      metadata: body.metadata ?? undefined,
      multiattach: body.multiattach ?? undefined,
    });
    // The file is made in the background, as Cinder's volume service would; clients poll for `available`.
    provisionVolume(db, deps.dataDir, volume.id).catch((err: unknown) => deps.log.warn({ err, volumeId: volume.id }, 'volume provisioning failed'));
    res.status(202).json({ volume: volumeDetail(viewContext(deps, req, auth, volume.project_id), volume) });
  });

  router.put('/volumes/:id', async (req, res) => {
    const auth = res.locals.auth;
    const current = await load(auth, req.params.id);
    enforce(auth, 'volume:update', { projectId: current.project_id });
    const { volume: body } = validate(updateSchema, req.body);
    const volume = await updateVolume(db, current.id, { name: body.name, description: body.description, metadata: body.metadata });
    res.json({ volume: volumeDetail(viewContext(deps, req, auth, volume.project_id), volume) });
  });

  router.delete('/volumes/:id', async (req, res) => {
    const auth = res.locals.auth;
    const current = await load(auth, req.params.id);
    enforce(auth, 'volume:delete', { projectId: current.project_id });
    if (!(await deleteVolume(db, deps.dataDir, current.id))) throw volumeNotFound(current.id);
    res.status(202).end();
  });

  return router;
}
