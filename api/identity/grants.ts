/**
 * Role grants (`/v3/{projects|domains}/{id}/users/{user}/roles[/{role}]`), the role assignments report, and a
 * user's projects.
 */
import { Router, type Request } from 'express';
import { grantedRoles, grantRole, hasGrant, listAssignments, projectsOfUser, revokeRole, type AssignmentRow, type GrantTarget } from '../../activities/services/identity/assignments.ts';
import { getRow, type IdentityTable } from '../../activities/services/identity/table-store.ts';
import { enforce } from '../auth/policy.ts';
import type { ServiceDeps } from '../service-deps.ts';
import { notFound } from './errors.ts';
import { roleSpec } from './entities.ts';
import { projectSummary } from './tokens.ts';

/** A path parameter as text (express types allow arrays for wildcard routes). */
const param = (req: Request, name: string): string => String(req.params[name]);

export function grantRoutes(deps: ServiceDeps): Router {
  const router = Router();
  const base = `${deps.publicUrl}/identity`;
  const mustExist = async (table: IdentityTable, kind: string, id: string) => {
    if (!(await getRow(deps.db, table, id))) throw notFound(kind, id);
  };

  for (const [collection, kind, table] of [['projects', 'project', 'projects'], ['domains', 'domain', 'domains']] as const) {
    const target = (req: Request): GrantTarget => (kind === 'project' ? { projectId: param(req, 'target') } : { domainId: param(req, 'target') });
    const resolve = async (req: Request, withRole: boolean) => {
      await mustExist(table, kind, param(req, 'target'));
      await mustExist('users', 'user', param(req, 'user'));
      if (withRole) await mustExist('roles', 'role', param(req, 'role'));
    };
    const one = `/${collection}/:target/users/:user/roles/:role`;

    router.put(one, async (req, res) => {
      enforce(res.locals.auth, 'identity:create_grant');
      await resolve(req, true);
      await grantRole(deps.db, param(req, 'user'), param(req, 'role'), target(req));
      res.status(204).end();
    });
    const check = async (req: Request) => {
      await resolve(req, true);
      if (!(await hasGrant(deps.db, param(req, 'user'), param(req, 'role'), target(req)))) throw notFound('role grant', param(req, 'role'));
    };
    router.head(one, async (req, res) => {
      enforce(res.locals.auth, 'identity:check_grant');
      await check(req);
      res.status(204).end();
    });
    router.get(one, async (req, res) => {
      enforce(res.locals.auth, 'identity:check_grant');
      await check(req);
      res.status(204).end();
    });
    router.delete(one, async (req, res) => {
      enforce(res.locals.auth, 'identity:revoke_grant');
      await resolve(req, true);
      if (!(await revokeRole(deps.db, param(req, 'user'), param(req, 'role'), target(req)))) throw notFound('role grant', param(req, 'role'));
      res.status(204).end();
    });
    router.get(`/${collection}/:target/users/:user/roles`, async (req, res) => {
      enforce(res.locals.auth, 'identity:list_grants');
      await resolve(req, false);
      const roles = await grantedRoles(deps.db, param(req, 'user'), target(req));
      res.json({
        roles: roles.map((r) => roleSpec.view({ ...r }, base)),
        links: { self: `${base}/v3${req.path}`, previous: null, next: null },
      });
    });
  }

  router.get('/role_assignments', async (req, res) => {
    enforce(res.locals.auth, 'identity:list_role_assignments');
    const q = (name: string) => (typeof req.query[name] === 'string' ? (req.query[name] as string) : undefined);
    const rows = await listAssignments(deps.db, {
      userId: q('user.id'),
      roleId: q('role.id'),
      projectId: q('scope.project.id'),
      domainId: q('scope.domain.id'),
    });
    const withNames = req.query.include_names !== undefined && q('include_names') !== 'false';
    res.json({
      role_assignments: rows.map((r) => assignmentView(r, base, withNames)),
      links: { self: `${base}/v3/role_assignments`, previous: null, next: null },
    });
  });

  router.get('/users/:user/projects', async (req, res) => {
    enforce(res.locals.auth, 'identity:list_user_projects', { userId: param(req, 'user') });
    await mustExist('users', 'user', param(req, 'user'));
    const projects = await projectsOfUser(deps.db, param(req, 'user'));
    res.json({ projects: projects.map((p) => projectSummary(p, base)), links: { self: `${base}/v3${req.path}`, previous: null, next: null } });
  });

  return router;
}

function assignmentView(r: AssignmentRow, base: string, withNames: boolean) {
  const scope = r.project_id
    ? { project: withNames ? { id: r.project_id, name: r.project_name, domain: { id: r.project_domain_id, name: r.project_domain_name } } : { id: r.project_id } }
    : { domain: withNames ? { id: r.domain_id, name: r.domain_name } : { id: r.domain_id } };
  const scopePath = r.project_id ? `projects/${r.project_id}` : `domains/${r.domain_id}`;
  return {
    role: withNames ? { id: r.role_id, name: r.role_name } : { id: r.role_id },
    user: withNames ? { id: r.user_id, name: r.user_name, domain: { id: r.user_domain_id, name: r.user_domain_name } } : { id: r.user_id },
    scope,
    links: { assignment: `${base}/v3/${scopePath}/users/${r.user_id}/roles/${r.role_id}` },
  };
}
