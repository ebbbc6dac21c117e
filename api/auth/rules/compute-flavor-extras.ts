/**
 * Nova's default rules for flavor extra specs (project readers read them, admins change them) and flavor access
 * (admins only). Spread into `computePolicy.rules` in `compute.ts`.
 */
import { checks, type Check } from '../checks.ts';

export const flavorExtraRules: Record<string, Check> = {
  'os_compute_api:os-flavor-extra-specs:show': checks.projectReaderOrAdmin,
  'os_compute_api:os-flavor-extra-specs:create': checks.admin,
  'os_compute_api:os-flavor-extra-specs:update': checks.admin,
  'os_compute_api:os-flavor-extra-specs:delete': checks.admin,
  'os_compute_api:os-flavor-access': checks.admin,
  'os_compute_api:os-flavor-access:add_tenant_access': checks.admin,
  'os_compute_api:os-flavor-access:remove_tenant_access': checks.admin,
};
