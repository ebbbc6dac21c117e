/**
 * `/v2/images/{id}/members`: the owner of a `shared` image offers it to other projects (POST, DELETE), each
 * member answers for itself (PUT status pending/accepted/rejected). An accepted image shows in the member's
 * list; any member may see it by id. Only shared images have members.
 */
import { Router } from 'express';
import { badRequest, forbidden } from '../../activities/services/image/errors.ts';
import { addMember, getMember, listMembers, removeMember, setMemberStatus } from '../../activities/services/image/members.ts';
import { MEMBER_STATUSES, type MemberStatus } from '../../activities/services/image/records.ts';
import type { AuthContext } from '../auth/context.ts';
import type { ImageTarget } from '../auth/rules/image.ts';
import { allowed, enforce } from '../auth/policy.ts';
import { ApiError } from '../faults.ts';
import type { ServiceDeps } from '../service-deps.ts';
import { loadImage, type VisibleImage } from './access.ts';
import { readJson } from './body.ts';
import { memberView } from './views.ts';

const imageNotFound = (id: string) => new ApiError(404, `Image ${id} not found.`);
const memberNotFound = (memberId: string, imageId: string) => new ApiError(404, `${memberId} not found in the member list of the image ${imageId}.`);

/** The body as an object, or Glance's complaint about its form. */
function objectBody(body: unknown, form: string): Record<string, unknown> {
  if (body === undefined) throw badRequest('Body expected in request.');
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw badRequest(`Expected a ${form}`);
  return body as Record<string, unknown>;
}

export function memberRoutes(deps: ServiceDeps): Router {
  const router = Router();
  const { db } = deps;

  /** The visible image, refused with `denied` unless it is shared. */
  const sharedImage = async (auth: AuthContext, id: string, denied: (reason: string) => ApiError): Promise<VisibleImage> => {
    const visible = await loadImage(db, auth, id, imageNotFound);
    if (visible.image.visibility !== 'shared') throw denied('Only shared images have members.');
    return visible;
  };

  router.post('/images/:id/members', async (req, res) => {
    const auth = res.locals.auth;
    const body = objectBody(await readJson(req, deps.maxBodyBytes), 'member in the form: {"member": "image_id"}');
    if (!('member' in body)) throw badRequest('Member to be added not specified');
    const memberId = body.member;
    if (!memberId) throw badRequest("Member can't be empty");
    if (typeof memberId !== 'string' || memberId.length > 255) throw badRequest('Expected a member in the form: {"member": "image_id"}');
    const { image, target } = await sharedImage(auth, req.params.id, () => forbidden(`Not allowed to create members for image ${req.params.id}.`));
    enforce(auth, 'image:add_member', target);
    res.json(memberView(await addMember(db, image.id, memberId)));
  });

  router.get('/images/:id/members', async (req, res) => {
    const auth = res.locals.auth;
    const { image, target } = await sharedImage(auth, req.params.id, (reason) =>
      forbidden(`Not allowed to list members for image ${req.params.id}: ${reason}`),
    );
    enforce(auth, 'image:get_members', target);
    const sees = (memberId: string) => {
      const memberTarget: ImageTarget = { ...target, memberId };
      return allowed(auth, 'image:get_member', memberTarget);
    };
    const members = (await listMembers(db, image.id)).filter((m) => sees(m.member_id));
    res.json({ members: members.map(memberView), schema: '/v2/schemas/members' });
  });

  router.get('/images/:id/members/:member', async (req, res) => {
    const auth = res.locals.auth;
    const { image, target } = await sharedImage(auth, req.params.id, (reason) => new ApiError(404, reason));
    const memberId = req.params.member;
    const memberTarget: ImageTarget = { ...target, memberId };
    const member = allowed(auth, 'image:get_member', memberTarget) ? await getMember(db, image.id, memberId) : undefined;
    if (!member) throw memberNotFound(memberId, image.id);
    res.json(memberView(member));
  });

  router.put('/images/:id/members/:member', async (req, res) => {
    const auth = res.locals.auth;
    const body = objectBody(await readJson(req, deps.maxBodyBytes), 'status in the form: {"status": "status"}');
    if (!('status' in body)) throw badRequest('Status not specified');
    const { image, target } = await sharedImage(auth, req.params.id, () => forbidden(`Not allowed to update members for image ${req.params.id}.`));
    const memberId = req.params.member;
    const memberTarget: ImageTarget = { ...target, memberId };
    if (!allowed(auth, 'image:get_member', memberTarget)) throw forbidden(`You are not authorized to lookup the members of the image ${image.id}.`);
    if (!(await getMember(db, image.id, memberId))) throw memberNotFound(memberId, image.id);
    enforce(auth, 'image:modify_member', memberTarget);
    if (!MEMBER_STATUSES.includes(body.status as MemberStatus)) {
      throw badRequest('Incorrect request: Status must be "pending", "accepted" or "rejected".');
    }
    const updated = await setMemberStatus(db, image.id, memberId, body.status as MemberStatus);
    if (!updated) throw memberNotFound(memberId, image.id);
    res.json(memberView(updated));
  });

  router.delete('/images/:id/members/:member', async (req, res) => {
    const auth = res.locals.auth;
    const { image, target } = await sharedImage(auth, req.params.id, () => forbidden(`Not allowed to delete members for image ${req.params.id}.`));
    const memberId = req.params.member;
    const memberTarget: ImageTarget = { ...target, memberId };
    if (!allowed(auth, 'image:get_member', memberTarget)) throw forbidden(`You are not authorized to lookup the members of the image ${image.id}.`);
    if (!(await getMember(db, image.id, memberId))) throw memberNotFound(memberId, image.id);
    enforce(auth, 'image:delete_member', memberTarget);
    if (!(await removeMember(db, image.id, memberId))) throw memberNotFound(memberId, image.id);
    res.status(204).end();
  });

  return router;
}
