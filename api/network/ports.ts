/** `/v2.0/ports`: list (device_id, network_id, fixed_ips... filters), show, create, update, delete. */
import { Router } from 'express';
import { z } from 'zod';
import { neutronError, networkNotFound, portNotFound } from '../../activities/services/network/errors.ts';
import { getNetwork } from '../../activities/services/network/networks.ts';
import { createPort, deletePort, getPort, listPorts, updatePort, type Port } from '../../activities/services/network/ports.ts';
import type { AuthContext } from '../auth/context.ts';
import { allowed } from '../auth/policy.ts';
import type { ServiceDeps } from '../service-deps.ts';
import { enforceWithAttributes, networkTarget, owningProject, portTarget, scopeOf, visible } from './access.ts';
import { listPage, selectFields, values } from './query.ts';
import { bool, description, name, projectId, resourceBody, tags } from './validation.ts';
import { PORT_FILTERS, portView } from './views.ts';

const fixedIps = z.array(z.object({ subnet_id: z.string().max(64).optional(), ip_address: z.string().max(64).optional() }).strict());
const vnicType = z.enum(['normal', 'direct', 'macvtap', 'baremetal', 'direct-physical', 'virtio-forwarder', 'smart-nic', 'vdpa', 'remote-managed']);

const mutable = {
  name: name.optional(),
  description: description.optional(),
  admin_state_up: bool.optional(),
  mac_address: z.string().max(32).optional(),
  fixed_ips: fixedIps.optional(),
  device_id: z.string().max(255).optional(),
  device_owner: z.string().max(255).optional(),
  security_groups: z.array(z.string().max(64)).optional(),
  port_security_enabled: bool.optional(),
  'binding:host_id': z.string().max(255).optional(),
  'binding:vnic_type': vnicType.optional(),
  'binding:profile': z.record(z.string(), z.unknown()).optional(),
};
const createSchema = z.object({
  ...mutable,
  network_id: z.string().max(64).optional(),
  project_id: projectId.optional(),
  tenant_id: projectId.optional(),
  tags: tags.optional(),
});
const updateSchema = z.object(mutable);

/** Attributes with a rule of their own on top of create_port / update_port. */
const ATTRIBUTE_RULES = ['device_owner', 'mac_address', 'port_security_enabled', 'binding:host_id', 'binding:profile'] as const;

function withIpRule(body: { fixed_ips?: { ip_address?: string }[] }): Record<string, unknown> {
  return { 'fixed_ips:ip_address': body.fixed_ips?.some((f) => f.ip_address !== undefined) ? true : undefined };
}

export function portRoutes(deps: ServiceDeps): Router {
  const router = Router();
  const { db } = deps;
  const collectionUrl = `${deps.publicUrl}/network/v2.0/ports`;
  const view = (auth: AuthContext, p: Port) => portView(p, allowed(auth, 'get_port:binding:host_id', portTarget(p)));
  const load = async (auth: AuthContext, id: string) => visible(auth, await getPort(db, id), 'get_port', portTarget, portNotFound(id));

  router.get('/ports', async (req, res) => {
    const auth = res.locals.auth;
    // A single network_id / device_id narrows the query in SQL; every filter is then applied to the views.
    const single = (key: string) => {
      const given = values(req.query, key);
      return given.length === 1 ? given[0] : undefined;
    };
    const rows = await listPorts(db, scopeOf(auth), { networkId: single('network_id'), deviceId: single('device_id') });
    const page = listPage(rows.map((p) => view(auth, p)), req.query, { filterable: PORT_FILTERS, collectionUrl });
    res.json({ ports: page.items, ...(page.links.length ? { ports_links: page.links } : {}) });
  });

  router.get('/ports/:id', async (req, res) => {
    const auth = res.locals.auth;
    res.json({ port: selectFields(view(auth, await load(auth, req.params.id)), req.query) });
  });

  router.post('/ports', async (req, res) => {
    const auth = res.locals.auth;
    const body = resourceBody(req.body, { resource: 'port', schema: createSchema });
    if (body.network_id === undefined) throw neutronError(400, 'HTTPBadRequest', "Failed to parse request. Required attribute 'network_id' not specified");
    const network = visible(auth, await getNetwork(db, body.network_id), 'get_network', networkTarget, networkNotFound(body.network_id));
    const project = owningProject(auth, body);
    const target = { projectId: project, networkProjectId: network.project_id, deviceOwner: body.device_owner };
    enforceWithAttributes(auth, 'create_port', target, { ...body, ...withIpRule(body) }, [...ATTRIBUTE_RULES, 'fixed_ips:ip_address']);
    if (!auth.isAdmin && !network.shared && network.project_id !== project) {
      throw neutronError(403, 'HTTPForbidden', `Tenant ${project} not allowed to create port on this network`);
    }
    const port = await createPort(db, {
      projectId: project,
      networkId: network.id,
      name: body.name,
      description: body.description,
      macAddress: body.mac_address,
      adminStateUp: body.admin_state_up,
      deviceId: body.device_id,
      deviceOwner: body.device_owner,
      fixedIps: body.fixed_ips?.map((f) => ({ subnetId: f.subnet_id, ipAddress: f.ip_address })),
      securityGroups: body.security_groups,
      portSecurityEnabled: body.port_security_enabled,
      hostId: body['binding:host_id'],
      vnicType: body['binding:vnic_type'],
      profile: body['binding:profile'],
      tags: body.tags,
    });
    res.status(201).json({ port: view(auth, port) });
  });

  router.put('/ports/:id', async (req, res) => {
    const auth = res.locals.auth;
    const current = await load(auth, req.params.id);
    const body = resourceBody(req.body, {
      resource: 'port',
      schema: updateSchema,
      readOnly: ['id', 'network_id', 'project_id', 'tenant_id', 'status', 'created_at', 'updated_at', 'revision_number'],
    });
    const target = { ...portTarget(current), deviceOwner: body.device_owner ?? current.device_owner };
    enforceWithAttributes(auth, 'update_port', target, { ...body, ...withIpRule(body) }, [...ATTRIBUTE_RULES, 'fixed_ips:ip_address']);
    const port = await updatePort(db, current.id, {
      name: body.name,
      description: body.description,
      adminStateUp: body.admin_state_up,
      deviceId: body.device_id,
      deviceOwner: body.device_owner,
      hostId: body['binding:host_id'],
      vnicType: body['binding:vnic_type'],
      profile: body['binding:profile'],
      macAddress: body.mac_address,
      portSecurityEnabled: body.port_security_enabled,
      securityGroups: body.security_groups,
      fixedIps: body.fixed_ips?.map((f) => ({ subnetId: f.subnet_id, ipAddress: f.ip_address })),
    });
    res.json({ port: view(auth, port) });
  });

  router.delete('/ports/:id', async (req, res) => {
    const auth = res.locals.auth;
    const current = await load(auth, req.params.id);
    enforceWithAttributes(auth, 'delete_port', portTarget(current), {}, []);
    if (!(await deletePort(db, current.id))) throw portNotFound(current.id);
    res.status(204).end();
  });

  return router;
}
