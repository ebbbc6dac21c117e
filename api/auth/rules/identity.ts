/** Keystone's default rules for the identity API subset Novaflow serves. */
import { checks, type ServicePolicy } from '../checks.ts';

export const identityPolicy: ServicePolicy = {
  refusal: (rule) => `You are not authorized to perform the requested action: ${rule}.`,
  rules: {
    'identity:get_domain': checks.admin,
    'identity:list_domains': checks.admin,
    'identity:create_domain': checks.admin,
    'identity:update_domain': checks.admin,
    'identity:delete_domain': checks.admin,
    'identity:get_project': checks.adminOrOwnProject,
    'identity:list_projects': checks.admin,
    'identity:list_user_projects': checks.adminOrSelf,
    'identity:create_project': checks.admin,
    'identity:update_project': checks.admin,
    'identity:delete_project': checks.admin,
    'identity:get_user': checks.adminOrSelf,
    'identity:list_users': checks.admin,
    'identity:create_user': checks.admin,
    'identity:update_user': checks.admin,
    'identity:delete_user': checks.admin,
    'identity:get_role': checks.admin,
    'identity:list_roles': checks.admin,
    'identity:create_role': checks.admin,
    'identity:update_role': checks.admin,
    'identity:delete_role': checks.admin,
    'identity:list_role_assignments': checks.admin,
    'identity:check_grant': checks.admin,
    'identity:list_grants': checks.admin,
    'identity:create_grant': checks.admin,
    'identity:revoke_grant': checks.admin,
  },
};
