/** Nova's default rules for server metadata and tags: project readers read, members change. */
import { checks, type Check } from '../checks.ts';

export const serverExtraRules: Record<string, Check> = {
  'os_compute_api:server-metadata:index': checks.projectReaderOrAdmin,
  'os_compute_api:server-metadata:show': checks.projectReaderOrAdmin,
  'os_compute_api:server-metadata:create': checks.projectMemberOrAdmin,
  'os_compute_api:server-metadata:update': checks.projectMemberOrAdmin,
  'os_compute_api:server-metadata:update_all': checks.projectMemberOrAdmin,
  'os_compute_api:server-metadata:delete': checks.projectMemberOrAdmin,
  'os_compute_api:os-server-tags:index': checks.projectReaderOrAdmin,
  'os_compute_api:os-server-tags:show': checks.projectReaderOrAdmin,
  'os_compute_api:os-server-tags:update': checks.projectMemberOrAdmin,
  'os_compute_api:os-server-tags:update_all': checks.projectMemberOrAdmin,
  'os_compute_api:os-server-tags:delete': checks.projectMemberOrAdmin,
  'os_compute_api:os-server-tags:delete_all': checks.projectMemberOrAdmin,
};
