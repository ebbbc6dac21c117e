/**
 * `/v3/auth/*`: issuing tokens (password or token method; project-, domain- or un-scoped), validating,
 * checking and revoking them, and the caller's catalog and projects.
 */
import { Router, type Response } from 'express';
import { z } from 'zod';
import { authenticateUser, findDomain, findProject } from '../../activities/services/identity/authenticate-user.ts';
import { effectiveRoles, issueToken, revokeToken, validateToken, type Scope, type TokenInfo } from '../../activities/services/identity/tokens.ts';
import { projectsOfUser } from '../../activities/services/identity/assignments.ts';
import { authenticate } from '../auth/authenticate.ts';
import { checks } from '../auth/checks.ts';
import { ApiError } from '../faults.ts';
import type { ServiceDeps } from '../service-deps.ts';
import { validate } from '../validation.ts';
import { serviceCatalog } from './catalog.ts';
import { notFound, unauthorized } from './errors.ts';

const domainRef = z.looseObject({ id: z.string().optional(), name: z.string().optional() });
const authRequest = z.looseObject({
  auth: z.looseObject({
    identity: z.looseObject({
      methods: z.array(z.string()).min(1),
      password: z
        .looseObject({
          user: z.looseObject({ id: z.string().optional(), name: z.string().optional(), domain: domainRef.optional(), password: z.string() }),
        })
        .optional(),
      token: z.looseObject({ id: z.string().min(1) }).optional(),
    }),
    scope: z
      .union([
        z.literal('unscoped'),
        z.looseObject({
          project: z.looseObject({ id: z.string().optional(), name: z.string().optional(), domain: domainRef.optional() }).optional(),
          domain: domainRef.optional(),
          system: z.unknown().optional(),
        }),
      ])
      .optional(),
  }),
});

export function projectSummary(p: { id: string; name: string; domain_id: string; description: string; enabled: boolean }, base: string) {
  return {
    id: p.id, name: p.name, domain_id: p.domain_id, description: p.description, enabled: p.enabled,
    parent_id: p.domain_id, is_domain: false, tags: [], options: {}, links: { self: `${base}/v3/projects/${p.id}` },
  };
}

export interface TokenSettings {
  ttlSeconds: number;
}

export function tokenBody(info: TokenInfo, publicUrl: string, withCatalog: boolean) {
  const scoped = info.project !== undefined || info.domain !== undefined;
  return {
    token: {
      methods: info.methods,
      user: { id: info.user.id, name: info.user.name, domain: info.user.domain, password_expires_at: null },
      audit_ids: [info.auditId],
      issued_at: info.issuedAt.toISOString(),
      expires_at: info.expiresAt.toISOString(),
      ...(info.project ? { project: info.project, is_domain: false } : {}),
      ...(info.domain ? { domain: info.domain } : {}),
      ...(scoped ? { roles: info.roles } : {}),
      ...(scoped && withCatalog ? { catalog: serviceCatalog(publicUrl, info.project?.id) } : {}),
    },
  };
}

export function tokenRoutes(deps: ServiceDeps, settings: TokenSettings): Router {
  const router = Router();
  const auth = authenticate(deps);
  const base = `${deps.publicUrl}/identity`;

  router.post('/auth/tokens', async (req, res) => {
    const { auth: request } = validate(authRequest, req.body, 'keystone');
    const { identity } = request;
    let userId: string;
    let defaultProject: string | null = null;
    let methods: string[];
    if (identity.methods.includes('password') && identity.password) {
      const { password, ...ref } = identity.password.user;
      const user = await authenticateUser(deps.db, ref, password);
      if (!user) throw unauthorized();
      userId = user.id;
      defaultProject = user.default_project_id;
      methods = ['password'];
    } else if (identity.methods.includes('token') && identity.token) {
      const prior = await validateToken(deps.db, identity.token.id);
      if (!prior) throw unauthorized();
      userId = prior.user.id;
      methods = prior.methods.includes('token') ? prior.methods : ['token', ...prior.methods];
    } else {
      throw new ApiError(400, `Invalid input for field 'identity': the methods ${identity.methods.join(', ')} need their credentials`);
    }

    let scope: Scope = {};
    const asked = request.scope;
    if (asked && asked !== 'unscoped') {
      if (asked.system !== undefined) throw new ApiError(400, 'System-scoped tokens are not supported by Novaflow.');
      if (asked.project) {
        const project = await findProject(deps.db, asked.project);
        if (!project) throw unauthorized();
        scope = { projectId: project.id };
      } else if (asked.domain) {
        const domain = await findDomain(deps.db, asked.domain);
        if (!domain) throw unauthorized();
        scope = { domainId: domain.id };
      }
    } else if (asked === undefined && defaultProject) {
      // Keystone scopes a token request without scope to the user's default project, when they have a role there.
      if ((await effectiveRoles(deps.db, userId, { projectId: defaultProject })).length) scope = { projectId: defaultProject };
    }
    if ((scope.projectId || scope.domainId) && (await effectiveRoles(deps.db, userId, scope)).length === 0) throw unauthorized();

    const { token, info } = await issueToken(deps.db, { userId, scope, methods, ttlSeconds: settings.ttlSeconds });
    res.status(201).set('X-Subject-Token', token).json(tokenBody(info, deps.publicUrl, req.query.nocatalog === undefined));
  });

  const subject = async (subjectToken: string | undefined, res: Response): Promise<TokenInfo> => {
    if (!subjectToken) throw new ApiError(400, "Invalid input for field 'X-Subject-Token': the header is required");
    const info = await validateToken(deps.db, subjectToken);
    const caller = res.locals.auth;
    // Keystone's default: an admin, or the owner of the token, may look at it.
    if (!info || !checks.adminOrSelf(caller, { userId: info.user.id })) throw notFound('token', subjectToken);
    return info;
  };

  router.get('/auth/tokens', auth, async (req, res) => {
    const info = await subject(req.get('x-subject-token'), res);
    res.set('X-Subject-Token', req.get('x-subject-token')!).json(tokenBody(info, deps.publicUrl, req.query.nocatalog === undefined));
  });

  router.head('/auth/tokens', auth, async (req, res) => {
    await subject(req.get('x-subject-token'), res);
    res.status(200).end();
  });

  router.delete('/auth/tokens', auth, async (req, res) => {
    const token = req.get('x-subject-token');
    await subject(token, res);
    await revokeToken(deps.db, token!);
    res.status(204).end();
  });

  router.get('/auth/catalog', auth, (_req, res) => {
    res.json({ catalog: serviceCatalog(deps.publicUrl, res.locals.auth.projectId), links: { self: `${base}/v3/auth/catalog`, previous: null, next: null } });
  });

  router.get('/auth/projects', auth, async (_req, res) => {
    const projects = await projectsOfUser(deps.db, res.locals.auth.userId);
    res.json({
      projects: projects.map((p) => projectSummary(p, base)),
      links: { self: `${base}/v3/auth/projects`, previous: null, next: null },
    });
  });

  return router;
}
