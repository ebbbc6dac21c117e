/** The building blocks of policy rules: admin, project reader/member, self. */
import type { AuthContext } from './context.ts';

export interface Target {
  /** The project owning the resource acted on (or the project a new resource will belong to). */
  projectId?: string;
  /** The user the request is about, for rules such as "admin or the user themself". */
  userId?: string;
}

export type Check = (auth: AuthContext, target: Target) => boolean;

const sameProject = (auth: AuthContext, target: Target) =>
  auth.projectId !== undefined && (target.projectId === undefined || target.projectId === auth.projectId);

export const checks = {
  admin: (auth) => auth.isAdmin,
  anyone: () => true,
  projectReaderOrAdmin: (auth, target) => auth.isAdmin || (sameProject(auth, target) && auth.roles.has('reader')),
  projectMemberOrAdmin: (auth, target) => auth.isAdmin || (sameProject(auth, target) && auth.roles.has('member')),
  adminOrSelf: (auth, target) => auth.isAdmin || (target.userId !== undefined && target.userId === auth.userId),
  adminOrOwnProject: (auth, target) => auth.isAdmin || (target.projectId !== undefined && target.projectId === auth.projectId),
} satisfies Record<string, Check>;

/** A service's rules and the wording of its 403. Each service keeps its rules in `rules/<service>.ts`. */
export interface ServicePolicy {
  rules: Readonly<Record<string, Check>>;
  refusal(rule: string): string;
}
