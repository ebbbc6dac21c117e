/**
 * Who may see and touch an image. An image the caller may not see does not exist for them (404, as Glance
 * answers for another project's private image); one they see but may not change is a 403 in Glance's words.
 */
import type pg from 'pg';
import { imageNotFound } from '../../activities/services/image/errors.ts';
import { isMember } from '../../activities/services/image/members.ts';
import { getImage } from '../../activities/services/image/queries.ts';
import type { ImageRecord } from '../../activities/services/image/records.ts';
import type { AuthContext } from '../auth/context.ts';
import { allowed } from '../auth/policy.ts';
import type { ImageTarget } from '../auth/rules/image.ts';
import type { ApiError } from '../faults.ts';

export async function imageTarget(db: pg.Pool, auth: AuthContext, image: ImageRecord): Promise<ImageTarget> {
  const target: ImageTarget = { visibility: image.visibility };
  if (image.owner !== null) target.projectId = image.owner;
  if (image.visibility === 'shared' && image.owner !== auth.projectId) target.member = await isMember(db, image.id, auth.projectId);
  return target;
}

export interface VisibleImage {
  image: ImageRecord;
  target: ImageTarget;
}

/** The image if the caller may see it, with its policy target; else the given 404. */
export async function loadImage(db: pg.Pool, auth: AuthContext, id: string, notFound: (id: string) => ApiError = imageNotFound): Promise<VisibleImage> {
  const image = await getImage(db, id);
  if (!image) throw notFound(id);
  const target = await imageTarget(db, auth, image);
  if (!allowed(auth, 'image:get_image', target)) throw notFound(id);
  return { image, target };
}

/** The policy rule that guards setting this visibility, if any. */
export function visibilityRule(visibility: unknown): string | undefined {
  if (visibility === 'public') return 'image:publicize_image';
  if (visibility === 'community') return 'image:communitize_image';
  return undefined;
}
