/** `/v2.0/subnets`: list, show, create (on a network the caller owns, or as admin), update, delete. */
import { Router } from 'express';
import { z } from 'zod';
import { badRequest, networkNotFound, subnetNotFound } from '../../activities/services/network/errors.ts';
import { getNetwork } from '../../activities/services/network/networks.ts';
import { createSubnet, deleteSubnet, getSubnet, listSubnets, updateSubnet } from '../../activities/services/network/subnets.ts';
import { enforce } from '../auth/policy.ts';
import type { AuthContext } from '../auth/context.ts';
import type { NetworkTarget } from '../auth/rules/network.ts';
import type { ServiceDeps } from '../service-deps.ts';
import { networkTarget, owningProject, scopeOf, subnetTarget, visible } from './access.ts';
import { listPage, selectFields } from './query.ts';
import { bool, description, name, projectId, resourceBody, tags } from './validation.ts';
import { SUBNET_FILTERS, subnetView } from './views.ts';

const ipText = z.string().max(64);
const pools = z.array(z.object({ start: ipText, end: ipText }).strict());
const nameservers = z.array(ipText);
const routes = z.array(z.object({ destination: ipText, nexthop: ipText }).strict());
const ipv6Mode = z.enum(['slaac', 'dhcpv6-stateful', 'dhcpv6-stateless']).nullable();
const ipVersion = z.preprocess((v) => (typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v), z.union([z.literal(4), z.literal(6)]));

const createSchema = z.object({
  network_id: z.string().max(64).optional(),
  cidr: z.string().max(64).optional(),
  ip_version: ipVersion.optional(),
  name: name.optional(),
  description: description.optional(),
  gateway_ip: ipText.nullable().optional(),
  allocation_pools: pools.optional(),
  enable_dhcp: bool.optional(),
  dns_nameservers: nameservers.optional(),
  host_routes: routes.optional(),
  ipv6_ra_mode: ipv6Mode.optional(),
  ipv6_address_mode: ipv6Mode.optional(),
  project_id: projectId.optional(),
  tenant_id: projectId.optional(),
  tags: tags.optional(),
  subnetpool_id: z.null().optional(),
  use_default_subnet_pool: z.literal(false).optional(),
  segment_id: z.null().optional(),
  service_types: z.array(z.string()).max(0).optional(),
});

const updateSchema = z.object({
  name: name.optional(),
  description: description.optional(),
  gateway_ip: ipText.nullable().optional(),
  allocation_pools: pools.optional(),
  enable_dhcp: bool.optional(),
  dns_nameservers: nameservers.optional(),
  host_routes: routes.optional(),
});

const required = (attribute: string) => badRequest(`Failed to parse request. Required attribute '${attribute}' not specified`);

export function subnetRoutes(deps: ServiceDeps): Router {
  const router = Router();
  const { db } = deps;
  const collectionUrl = `${deps.publicUrl}/network/v2.0/subnets`;
  const load = async (auth: AuthContext, id: string) => visible(auth, await getSubnet(db, id), 'get_subnet', subnetTarget, subnetNotFound(id));

  router.get('/subnets', async (req, res) => {
    const rows = await listSubnets(db, scopeOf(res.locals.auth));
    const page = listPage(rows.map(subnetView), req.query, { filterable: SUBNET_FILTERS, collectionUrl });
    res.json({ subnets: page.items, ...(page.links.length ? { subnets_links: page.links } : {}) });
  });

  router.get('/subnets/:id', async (req, res) => {
    res.json({ subnet: selectFields(subnetView(await load(res.locals.auth, req.params.id)), req.query) });
  });

  router.post('/subnets', async (req, res) => {
    const auth = res.locals.auth;
    const body = resourceBody(req.body, { resource: 'subnet', schema: createSchema });
    if (body.network_id === undefined) throw required('network_id');
    if (body.cidr === undefined) throw badRequest('a subnetpool must be specified in the absence of a cidr');
    const networkId = body.network_id;
    const network = visible(auth, await getNetwork(db, networkId), 'get_network', networkTarget, networkNotFound(networkId));
    const project = owningProject(auth, body);
    const target: NetworkTarget = { projectId: project, networkProjectId: network.project_id, shared: network.shared };
    enforce(auth, 'create_subnet', target);
    const subnet = await createSubnet(db, {
      projectId: project,
      networkId: network.id,
      cidr: body.cidr,
      ipVersion: body.ip_version,
      name: body.name,
      description: body.description,
      gatewayIp: body.gateway_ip,
      allocationPools: body.allocation_pools,
      enableDhcp: body.enable_dhcp,
      dnsNameservers: body.dns_nameservers,
      hostRoutes: body.host_routes,
      ipv6RaMode: body.ipv6_ra_mode,
      ipv6AddressMode: body.ipv6_address_mode,
      tags: body.tags,
    });
    res.status(201).json({ subnet: subnetView(subnet) });
  });

  router.put('/subnets/:id', async (req, res) => {
    const auth = res.locals.auth;
    const current = await load(auth, req.params.id);
    const body = resourceBody(req.body, {
      resource: 'subnet',
      schema: updateSchema,
      readOnly: ['id', 'cidr', 'ip_version', 'network_id', 'project_id', 'tenant_id', 'subnetpool_id', 'created_at', 'updated_at', 'revision_number'],
    });
    enforce(auth, 'update_subnet', subnetTarget(current));
    const subnet = await updateSubnet(db, current.id, {
      name: body.name,
      description: body.description,
      gatewayIp: body.gateway_ip,
      allocationPools: body.allocation_pools,
      enableDhcp: body.enable_dhcp,
      dnsNameservers: body.dns_nameservers,
      hostRoutes: body.host_routes,
    });
    res.json({ subnet: subnetView(subnet) });
  });

  router.delete('/subnets/:id', async (req, res) => {
    const auth = res.locals.auth;
    const current = await load(auth, req.params.id);
    enforce(auth, 'delete_subnet', subnetTarget(current));
    if (!(await deleteSubnet(db, current.id))) throw subnetNotFound(current.id);
    res.status(204).end();
  });

  return router;
}
