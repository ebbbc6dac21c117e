/**
 * Glance's default rules (secure RBAC) for the Image API subset. Targets carry the image's owner (`projectId`),
 * its visibility, and whether the caller's project is a member of it (`member`); member rules also carry the
 * member project (`memberId`). Reading needs the reader role, changing the member role, on the owning project;
 * public and community images are readable by everyone, shared ones by their members; publicizing is for admins.
 *
 * Handlers hide an image the caller may not see (404) and refuse with Glance's words otherwise:
 * "You are not authorized to complete publicize_image action."
 */
import type { Check, ServicePolicy, Target } from '../checks.ts';
import type { AuthContext } from '../context.ts';

export interface ImageTarget extends Target {
  /** The image's visibility (public, community, shared, private); absent for an image not yet created. */
  visibility?: string;
  /** The caller's project is a member of this (shared) image. */
  member?: boolean;
  /** For member rules: the project the membership is about. */
  memberId?: string;
}

type ImageCheck = (auth: AuthContext, target: ImageTarget) => boolean;
const rule = (check: ImageCheck): Check => check;

const ownProject = (auth: AuthContext, t: ImageTarget) => auth.projectId !== undefined && t.projectId === auth.projectId;
const reader = (auth: AuthContext) => auth.roles.has('reader');
const member = (auth: AuthContext) => auth.roles.has('member');
/** Seen by others than its owner: everyone for public and community images, members for shared ones. */
const openTo = (auth: AuthContext, t: ImageTarget) =>
  t.projectId === undefined || t.visibility === 'public' || t.visibility === 'community' || (t.visibility === 'shared' && t.member === true);

const admin = rule((auth) => auth.isAdmin);
const ownerMember = rule((auth, t) => auth.isAdmin || (member(auth) && ownProject(auth, t)));
const ownerReader = rule((auth, t) => auth.isAdmin || (reader(auth) && ownProject(auth, t)));

export const imagePolicy: ServicePolicy = {
  refusal: (name) => `You are not authorized to complete ${name.replace(/^image:/, '')} action.`,
  rules: {
    'image:add_image': ownerMember,
    'image:get_image': rule((auth, t) => auth.isAdmin || (reader(auth) && (ownProject(auth, t) || openTo(auth, t)))),
    'image:get_images': ownerReader,
    'image:modify_image': ownerMember,
    'image:publicize_image': admin,
    'image:communitize_image': ownerMember,
    'image:delete_image': ownerMember,
    'image:upload_image': ownerMember,
    'image:download_image': rule((auth, t) => auth.isAdmin || (member(auth) && (ownProject(auth, t) || openTo(auth, t)))),
    'image:deactivate': ownerMember,
    'image:reactivate': ownerMember,
    'image:add_member': ownerMember,
    'image:delete_member': ownerMember,
    'image:get_member': rule(
      (auth, t) => auth.isAdmin || (reader(auth) && (ownProject(auth, t) || (auth.projectId !== undefined && t.memberId === auth.projectId))),
    ),
    'image:get_members': rule((auth, t) => auth.isAdmin || (reader(auth) && (ownProject(auth, t) || t.member === true))),
    'image:modify_member': rule((auth, t) => auth.isAdmin || (member(auth) && auth.projectId !== undefined && t.memberId === auth.projectId)),
  },
};
