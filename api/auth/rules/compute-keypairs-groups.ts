/**
 * Nova's default rules for os-keypairs (the user who owns the key pair, or an admin) and os-server-groups
 * (project readers list and show, members create and delete; every project only for admins). Spread into
 * `computePolicy.rules` in `compute.ts`.
 */
import { checks, type Check } from '../checks.ts';

export const keypairAndGroupRules: Record<string, Check> = {
  'os_compute_api:os-keypairs:index': checks.adminOrSelf,
  'os_compute_api:os-keypairs:create': checks.adminOrSelf,
  'os_compute_api:os-keypairs:delete': checks.adminOrSelf,
  'os_compute_api:os-keypairs:show': checks.adminOrSelf,
  'os_compute_api:os-server-groups:create': checks.projectMemberOrAdmin,
  'os_compute_api:os-server-groups:delete': checks.projectMemberOrAdmin,
  'os_compute_api:os-server-groups:index': checks.projectReaderOrAdmin,
  'os_compute_api:os-server-groups:index:all_projects': checks.admin,
  'os_compute_api:os-server-groups:show': checks.projectReaderOrAdmin,
};
