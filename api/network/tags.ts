/** `/v2.0/{networks|subnets|ports|security-groups}/{id}/tags[/{tag}]`: Neutron's tag sub-resource. */
import { Router, type Request } from 'express';
import { z } from 'zod';
import { badRequest, networkNotFound, neutronError, portNotFound, securityGroupNotFound, subnetNotFound } from '../../activities/services/network/errors.ts';
import { getNetwork } from '../../activities/services/network/networks.ts';
import { getPort } from '../../activities/services/network/ports.ts';
import { getSecurityGroup } from '../../activities/services/network/security-groups.ts';
import { getSubnet } from '../../activities/services/network/subnets.ts';
import { addTag, removeTag, setTags, type TaggedTable } from '../../activities/services/network/tags.ts';
import type { Queryable } from '../../activities/services/network/db.ts';
import type { AuthContext } from '../auth/context.ts';
import { enforce } from '../auth/policy.ts';
import type { NetworkTarget } from '../auth/rules/network.ts';
import type { ApiError } from '../faults.ts';
import type { ServiceDeps } from '../service-deps.ts';
import { groupTarget, networkTarget, portTarget, subnetTarget, visible } from './access.ts';

interface Tagged {
  table: TaggedTable;
  resource: string;
  load: (db: Queryable, id: string) => Promise<{ tags: string[] } | undefined>;
  target: (row: never) => NetworkTarget;
  notFound: (id: string) => ApiError;
}

const COLLECTIONS: Readonly<Record<string, Tagged>> = {
  networks: { table: 'networks', resource: 'network', load: getNetwork, target: networkTarget, notFound: networkNotFound },
  subnets: { table: 'subnets', resource: 'subnet', load: getSubnet, target: subnetTarget, notFound: subnetNotFound },
  ports: { table: 'ports', resource: 'port', load: getPort, target: portTarget, notFound: portNotFound },
  'security-groups': { table: 'security_groups', resource: 'security_group', load: getSecurityGroup, target: groupTarget, notFound: securityGroupNotFound },
};

const tag = z.string().min(1).max(255).refine((t) => !t.includes(','), 'must not contain a comma');

function checkTag(text: string): string {
  const parsed = tag.safeParse(text);
  if (!parsed.success) throw badRequest(`Invalid input for operation: '${text}' is not a valid tag.`);
  return parsed.data;
}

export function tagRoutes(deps: ServiceDeps): Router {
  const router = Router();
  const { db } = deps;

  async function resolve(req: Request, auth: AuthContext, write: boolean) {
    const kind = COLLECTIONS[String(req.params.collection)];
    if (!kind) throw neutronError(404, 'HTTPNotFound', 'The resource could not be found.');
    const id = String(req.params.id);
    const target = kind.target as (row: unknown) => NetworkTarget;
    const row = visible(auth, await kind.load(db, id), `get_${kind.resource}`, target, kind.notFound(id));
    if (write) enforce(auth, `update_${kind.resource}`, target(row));
    return { kind, id, row };
  }

  router.get('/:collection/:id/tags', async (req, res) => {
    const { row } = await resolve(req, res.locals.auth, false);
    res.json({ tags: row.tags });
  });

  router.get('/:collection/:id/tags/:tag', async (req, res) => {
    const { row } = await resolve(req, res.locals.auth, false);
    if (!row.tags.includes(req.params.tag)) throw neutronError(404, 'TagNotFound', `Tag ${req.params.tag} could not be found.`);
    res.status(204).end();
  });

  router.put('/:collection/:id/tags', async (req, res) => {
    const { kind, id } = await resolve(req, res.locals.auth, true);
    const body = z.object({ tags: z.array(z.string()) }).safeParse(req.body);
    if (!body.success) throw badRequest("Invalid input for operation: the body must be {\"tags\": [...]}.");
    const tags = await setTags(db, kind.table, id, body.data.tags.map(checkTag));
    if (!tags) throw kind.notFound(id);
    res.json({ tags });
  });

  router.put('/:collection/:id/tags/:tag', async (req, res) => {
    const { kind, id } = await resolve(req, res.locals.auth, true);
    if (!(await addTag(db, kind.table, id, checkTag(req.params.tag)))) throw kind.notFound(id);
    res.status(201).end();
  });

  router.delete('/:collection/:id/tags', async (req, res) => {
    const { kind, id } = await resolve(req, res.locals.auth, true);
    if (!(await setTags(db, kind.table, id, []))) throw kind.notFound(id);
    res.status(204).end();
  });

  router.delete('/:collection/:id/tags/:tag', async (req, res) => {
    const { kind, id } = await resolve(req, res.locals.auth, true);
    const outcome = await removeTag(db, kind.table, id, req.params.tag);
    if (outcome === 'absent-row') throw kind.notFound(id);
    if (outcome === 'absent-tag') throw neutronError(404, 'TagNotFound', `Tag ${req.params.tag} could not be found.`);
    res.status(204).end();
  });

  return router;
}
