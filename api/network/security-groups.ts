/** `/v2.0/security-groups` and `/v2.0/security-group-rules`. Listing creates the caller's `default` group first. */
import { Router } from 'express';
import { z } from 'zod';
import {
  cannotRemoveDefault,
  defaultGroupExists,
  neutronError,
  securityGroupNotFound,
  securityGroupRuleNotFound,
} from '../../activities/services/network/errors.ts';
import {
  createRule,
  createSecurityGroup,
  deleteRule,
  deleteSecurityGroup,
  ensureDefaultSecurityGroup,
  getRule,
  getSecurityGroup,
  listRules,
  listSecurityGroups,
  updateSecurityGroup,
} from '../../activities/services/network/security-groups.ts';
import type { AuthContext } from '../auth/context.ts';
import { enforce } from '../auth/policy.ts';
import type { ServiceDeps } from '../service-deps.ts';
import { groupTarget, owningProject, ruleTarget, scopeOf, visible } from './access.ts';
import { listPage, selectFields } from './query.ts';
import { bool, description, name, projectId, resourceBody, tags } from './validation.ts';
import { RULE_FILTERS, SECURITY_GROUP_FILTERS, ruleView, securityGroupView } from './views.ts';

const groupCreate = z.object({
  name: name.optional(),
  description: description.optional(),
  stateful: bool.optional(),
  project_id: projectId.optional(),
  tenant_id: projectId.optional(),
  tags: tags.optional(),
});
const groupUpdate = z.object({ name: name.optional(), description: description.optional(), stateful: bool.optional() });

const port = z.preprocess((v) => (typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v), z.number().int().nullable());
const ruleCreate = z.object({
  security_group_id: z.string().max(64).optional(),
  direction: z.enum(['ingress', 'egress']).optional(),
  ethertype: z.enum(['IPv4', 'IPv6']).optional(),
  protocol: z.union([z.string().max(40), z.number().int()]).nullable().optional(),
  port_range_min: port.optional(),
  port_range_max: port.optional(),
  remote_ip_prefix: z.string().max(64).nullable().optional(),
  remote_group_id: z.string().max(64).nullable().optional(),
  remote_address_group_id: z.null().optional(),
  description: description.optional(),
  project_id: projectId.optional(),
  tenant_id: projectId.optional(),
});

const required = (attribute: string) =>
  neutronError(400, 'HTTPBadRequest', `Failed to parse request. Required attribute '${attribute}' not specified`);

export function securityGroupRoutes(deps: ServiceDeps): Router {
  const router = Router();
  const { db } = deps;
  const base = `${deps.publicUrl}/network/v2.0`;
  const loadGroup = async (auth: AuthContext, id: string) =>
    visible(auth, await getSecurityGroup(db, id), 'get_security_group', groupTarget, securityGroupNotFound(id));
  const groupOwner = async (groupId: string) => (await getSecurityGroup(db, groupId))?.project_id;

  router.get('/security-groups', async (req, res) => {
    const auth = res.locals.auth;
    if (auth.projectId) await ensureDefaultSecurityGroup(db, auth.projectId);
    const rows = await listSecurityGroups(db, scopeOf(auth));
    const page = listPage(rows.map(securityGroupView), req.query, { filterable: SECURITY_GROUP_FILTERS, collectionUrl: `${base}/security-groups` });
    res.json({ security_groups: page.items, ...(page.links.length ? { security_groups_links: page.links } : {}) });
  });

  router.get('/security-groups/:id', async (req, res) => {
    res.json({ security_group: selectFields(securityGroupView(await loadGroup(res.locals.auth, req.params.id)), req.query) });
  });

  router.post('/security-groups', async (req, res) => {
    const auth = res.locals.auth;
    const body = resourceBody(req.body, { resource: 'security_group', schema: groupCreate });
    const project = owningProject(auth, body);
    enforce(auth, 'create_security_group', { projectId: project });
    await ensureDefaultSecurityGroup(db, project);
    if (body.name === 'default') throw defaultGroupExists();
    const group = await createSecurityGroup(db, { projectId: project, name: body.name, description: body.description, stateful: body.stateful, tags: body.tags });
    res.status(201).json({ security_group: securityGroupView(group) });
  });

  router.put('/security-groups/:id', async (req, res) => {
    const auth = res.locals.auth;
    const current = await loadGroup(auth, req.params.id);
    const body = resourceBody(req.body, { resource: 'security_group', schema: groupUpdate, readOnly: ['id', 'project_id', 'tenant_id'] });
    enforce(auth, 'update_security_group', groupTarget(current));
    if (body.name !== undefined && body.name !== current.name) {
      if (current.is_default) throw neutronError(409, 'SecurityGroupCannotUpdateDefault', 'Updating default security group not allowed.');
      if (body.name === 'default') throw defaultGroupExists();
    }
    const group = await updateSecurityGroup(db, current.id, { name: body.name, description: body.description, stateful: body.stateful });
    res.json({ security_group: securityGroupView(group) });
  });

  router.delete('/security-groups/:id', async (req, res) => {
    const auth = res.locals.auth;
    const current = await loadGroup(auth, req.params.id);
    enforce(auth, 'delete_security_group', groupTarget(current));
    if (current.is_default && !auth.isAdmin) throw cannotRemoveDefault();
    if (!(await deleteSecurityGroup(db, current.id))) throw securityGroupNotFound(current.id);
    res.status(204).end();
  });

  router.get('/security-group-rules', async (req, res) => {
    const rows = await listRules(db, scopeOf(res.locals.auth));
    const page = listPage(rows.map(ruleView), req.query, { filterable: RULE_FILTERS, collectionUrl: `${base}/security-group-rules` });
    res.json({ security_group_rules: page.items, ...(page.links.length ? { security_group_rules_links: page.links } : {}) });
  });

  router.get('/security-group-rules/:id', async (req, res) => {
    const auth = res.locals.auth;
    const rule = await getRule(db, req.params.id);
    const owner = rule && (await groupOwner(rule.security_group_id));
    const found = visible(auth, rule, 'get_security_group_rule', (r) => ruleTarget(r, owner), securityGroupRuleNotFound(req.params.id));
    res.json({ security_group_rule: selectFields(ruleView(found), req.query) });
  });

  router.post('/security-group-rules', async (req, res) => {
    const auth = res.locals.auth;
    const body = resourceBody(req.body, { resource: 'security_group_rule', schema: ruleCreate });
    if (body.security_group_id === undefined) throw required('security_group_id');
    if (body.direction === undefined) throw required('direction');
    const group = await loadGroup(auth, body.security_group_id);
    owningProject(auth, body);
    enforce(auth, 'create_security_group_rule', groupTarget(group));
    if (body.remote_group_id) await loadGroup(auth, body.remote_group_id);
    const rule = await createRule(db, group.id, {
      projectId: group.project_id,
      direction: body.direction,
      ethertype: body.ethertype,
      protocol: body.protocol,
      portRangeMin: body.port_range_min,
      portRangeMax: body.port_range_max,
      remoteIpPrefix: body.remote_ip_prefix,
      remoteGroupId: body.remote_group_id,
      description: body.description,
    });
    res.status(201).json({ security_group_rule: ruleView(rule) });
  });

  router.delete('/security-group-rules/:id', async (req, res) => {
    const auth = res.locals.auth;
    const rule = await getRule(db, req.params.id);
    const owner = rule && (await groupOwner(rule.security_group_id));
    const found = visible(auth, rule, 'get_security_group_rule', (r) => ruleTarget(r, owner), securityGroupRuleNotFound(req.params.id));
    enforce(auth, 'delete_security_group_rule', { projectId: owner ?? found.project_id });
    if (!(await deleteRule(db, found.id))) throw securityGroupRuleNotFound(found.id);
    res.status(204).end();
  });

  return router;
}
