/** Nova's default rules (os_compute_api:*), added as the compute resources land. */
import { checks, type ServicePolicy } from '../checks.ts';
import { keypairAndGroupRules } from './compute-keypairs-groups.ts';
import { serverActionRules } from './compute-server-actions.ts';
import { flavorExtraRules } from './compute-flavor-extras.ts';
import { serverExtraRules } from './compute-server-extras.ts';

export const computePolicy: ServicePolicy = {
  refusal: (rule) => `Policy doesn't allow ${rule} to be performed.`,
  rules: {
    'os_compute_api:os-flavor-manage:create': checks.admin,
    'os_compute_api:os-flavor-manage:update': checks.admin,
    'os_compute_api:os-flavor-manage:delete': checks.admin,
    'os_compute_api:os-flavor-extra-specs:index': checks.projectReaderOrAdmin,
    'os_compute_api:os-services:list': checks.admin,
    'os_compute_api:os-services:update': checks.admin,
    'os_compute_api:os-services:delete': checks.admin,
    'os_compute_api:os-hypervisors:list': checks.admin,
    'os_compute_api:os-hypervisors:list-detail': checks.admin,
    'os_compute_api:os-hypervisors:show': checks.admin,
    'os_compute_api:os-availability-zone:list': checks.anyone,
    'os_compute_api:os-availability-zone:detail': checks.admin,
    'os_compute_api:servers:create': checks.projectMemberOrAdmin,
    'os_compute_api:servers:index': checks.projectReaderOrAdmin,
    'os_compute_api:servers:index:get_all_tenants': checks.admin,
    'os_compute_api:servers:detail': checks.projectReaderOrAdmin,
    'os_compute_api:servers:show': checks.projectReaderOrAdmin,
    'os_compute_api:servers:update': checks.projectMemberOrAdmin,
    'os_compute_api:servers:delete': checks.projectMemberOrAdmin,
    'os_compute_api:ips:index': checks.projectReaderOrAdmin,
    'os_compute_api:os-instance-actions:list': checks.projectReaderOrAdmin,
    'os_compute_api:os-instance-actions:show': checks.projectReaderOrAdmin,
    'os_compute_api:os-instance-actions:events': checks.admin,
    'os_compute_api:os-quota-sets:show': checks.projectReaderOrAdmin,
    'os_compute_api:os-quota-sets:detail': checks.projectReaderOrAdmin,
    'os_compute_api:os-quota-sets:update': checks.admin,
    'os_compute_api:os-quota-sets:delete': checks.admin,
    ...keypairAndGroupRules,
    ...serverActionRules,
    ...flavorExtraRules,
    ...serverExtraRules,
  },
};
