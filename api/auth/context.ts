/** Who is calling: built from a validated token by `authenticate`, read by policy and every handler. */
import type { TokenInfo } from '../../activities/services/identity/tokens.ts';

export interface AuthContext {
  token: string;
  info: TokenInfo;
  userId: string;
  /** The project the token is scoped to (undefined for unscoped and domain-scoped tokens). */
  projectId?: string;
  roles: ReadonlySet<string>;
  /** Holds the `admin` role on its scope: Nova's and Keystone's cloud administrator. */
  isAdmin: boolean;
}

declare module 'express-serve-static-core' {
  interface Locals {
    auth: AuthContext;
  }
}

export function contextFromToken(token: string, info: TokenInfo): AuthContext {
  const roles = new Set(info.roles.map((r) => r.name.toLowerCase()));
  return { token, info, userId: info.user.id, projectId: info.project?.id, roles, isAdmin: roles.has('admin') };
}
