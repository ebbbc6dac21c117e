/** `/v2.0/networks`: list, show, create, update, delete. */
import { Router } from 'express';
import { z } from 'zod';
import { networkNotFound } from '../../activities/services/network/errors.ts';
import {
  createNetwork,
  deleteNetwork,
  getNetwork,
  listNetworks,
  updateNetwork,
} from '../../activities/services/network/networks.ts';
import { ensureDefaultSecurityGroup } from '../../activities/services/network/security-groups.ts';
import type { ServiceDeps } from '../service-deps.ts';
import { enforceWithAttributes, networkTarget, owningProject, scopeOf, visible } from './access.ts';
import { listPage, selectFields } from './query.ts';
import { bool, description, name, projectId, resourceBody, tags } from './validation.ts';
import { NETWORK_FILTERS, networkView } from './views.ts';

const mtu = z.number().int().min(68).max(9000);
const azHints = z.array(z.string().max(255));

const createSchema = z.object({
  name: name.optional(),
  description: description.optional(),
  admin_state_up: bool.optional(),
  shared: bool.optional(),
  'router:external': bool.optional(),
  mtu: mtu.optional(),
  port_security_enabled: bool.optional(),
  project_id: projectId.optional(),
  tenant_id: projectId.optional(),
  tags: tags.optional(),
  availability_zone_hints: azHints.optional(),
});

const updateSchema = z.object({
  name: name.optional(),
  description: description.optional(),
  admin_state_up: bool.optional(),
  shared: bool.optional(),
  'router:external': bool.optional(),
  mtu: mtu.optional(),
  port_security_enabled: bool.optional(),
});

const ATTRIBUTE_RULES = ['shared', 'router:external'] as const;

export function networkRoutes(deps: ServiceDeps): Router {
  const router = Router();
  const { db } = deps;
  const collectionUrl = `${deps.publicUrl}/network/v2.0/networks`;
  const load = async (auth: Parameters<typeof scopeOf>[0], id: string) =>
    visible(auth, await getNetwork(db, id), 'get_network', networkTarget, networkNotFound(id));

  router.get('/networks', async (req, res) => {
    const rows = await listNetworks(db, scopeOf(res.locals.auth));
    const page = listPage(rows.map(networkView), req.query, { filterable: NETWORK_FILTERS, collectionUrl });
    res.json({ networks: page.items, ...(page.links.length ? { networks_links: page.links } : {}) });
  });

  router.get('/networks/:id', async (req, res) => {
    const network = await load(res.locals.auth, req.params.id);
    res.json({ network: selectFields(networkView(network), req.query) });
  });

  router.post('/networks', async (req, res) => {
    const auth = res.locals.auth;
    const body = resourceBody(req.body, { resource: 'network', schema: createSchema });
    const project = owningProject(auth, body);
    enforceWithAttributes(auth, 'create_network', { projectId: project, networkProjectId: project }, body, ATTRIBUTE_RULES);
    await ensureDefaultSecurityGroup(db, project);
    const network = await createNetwork(db, {
      projectId: project,
      name: body.name,
      description: body.description,
      adminStateUp: body.admin_state_up,
      shared: body.shared,
      external: body['router:external'],
      mtu: body.mtu,
      portSecurityEnabled: body.port_security_enabled,
      tags: body.tags,
    });
    res.status(201).json({ network: networkView(network) });
  });

  router.put('/networks/:id', async (req, res) => {
    const auth = res.locals.auth;
    const current = await load(auth, req.params.id);
    const body = resourceBody(req.body, {
      resource: 'network',
      schema: updateSchema,
      readOnly: ['id', 'project_id', 'tenant_id', 'status', 'subnets', 'created_at', 'updated_at', 'revision_number'],
    });
    enforceWithAttributes(auth, 'update_network', networkTarget(current), body, ATTRIBUTE_RULES);
    const network = await updateNetwork(db, current.id, {
      name: body.name,
      description: body.description,
      adminStateUp: body.admin_state_up,
      shared: body.shared,
      external: body['router:external'],
      mtu: body.mtu,
      portSecurityEnabled: body.port_security_enabled,
    });
    res.json({ network: networkView(network) });
  });

  router.delete('/networks/:id', async (req, res) => {
    const auth = res.locals.auth;
    const current = await load(auth, req.params.id);
    enforceWithAttributes(auth, 'delete_network', networkTarget(current), {}, []);
    if (!(await deleteNetwork(db, current.id))) throw networkNotFound(current.id);
    res.status(204).end();
  });

  return router;
}
