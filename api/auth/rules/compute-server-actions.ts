/**
 * Nova's default rules for server actions and volume attachments: project members (or admins) act on their servers; overriding
 * another's lock and resetting state are for admins. Spread into `computePolicy.rules` in `compute.ts`.
 */
import { checks, type Check } from '../checks.ts';

export const serverActionRules: Record<string, Check> = {
  'os_compute_api:servers:stop': checks.projectMemberOrAdmin,
  'os_compute_api:servers:start': checks.projectMemberOrAdmin,
  'os_compute_api:servers:reboot': checks.projectMemberOrAdmin,
  'os_compute_api:os-pause-server:pause': checks.projectMemberOrAdmin,
  'os_compute_api:os-pause-server:unpause': checks.projectMemberOrAdmin,
  'os_compute_api:os-suspend-server:suspend': checks.projectMemberOrAdmin,
  'os_compute_api:os-suspend-server:resume': checks.projectMemberOrAdmin,
  'os_compute_api:os-lock-server:lock': checks.projectMemberOrAdmin,
  'os_compute_api:os-lock-server:unlock': checks.projectMemberOrAdmin,
  'os_compute_api:os-lock-server:unlock:unlock_override': checks.admin,
  'os_compute_api:os-admin-actions:reset_state': checks.admin,
  'os_compute_api:os-console-output': checks.projectMemberOrAdmin,
  'os_compute_api:servers:resize': checks.projectMemberOrAdmin,
  'os_compute_api:servers:confirm_resize': checks.projectMemberOrAdmin,
  'os_compute_api:servers:revert_resize': checks.projectMemberOrAdmin,
  'os_compute_api:os-migrate-server:migrate': checks.admin,
  'os_compute_api:os-migrate-server:migrate_live': checks.admin,
  'os_compute_api:os-evacuate': checks.admin,
  'os_compute_api:os-migrations:index': checks.admin,
  'os_compute_api:servers:migrations:index': checks.admin,
  'os_compute_api:servers:migrations:show': checks.admin,
  'os_compute_api:servers:migrations:delete': checks.admin,
  'os_compute_api:servers:migrations:force_complete': checks.admin,
  'os_compute_api:os-volumes-attachments:index': checks.projectReaderOrAdmin,
  'os_compute_api:os-volumes-attachments:show': checks.projectReaderOrAdmin,
  'os_compute_api:os-volumes-attachments:create': checks.projectMemberOrAdmin,
  'os_compute_api:os-volumes-attachments:delete': checks.projectMemberOrAdmin,
};
