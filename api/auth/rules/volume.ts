/**
 * Cinder's default rules for the Volume API subset: project readers read, project members change, admins do
 * anything (and alone see every project, reset statuses and manage types). Volumes of other projects are hidden
 * by the handlers (404), as Cinder does.
 */
import { checks, type ServicePolicy } from '../checks.ts';

const reader = checks.projectReaderOrAdmin;
const member = checks.projectMemberOrAdmin;

export const volumePolicy: ServicePolicy = {
  refusal: (rule) => `Policy doesn't allow ${rule} to be performed.`,
  rules: {
    'volume:create': member,
    'volume:get': reader,
    'volume:get_all': reader,
    'volume:update': member,
    'volume:delete': member,
    'volume:extend': member,
    'volume:set_bootable': member,
    'volume:get_volume_metadata': reader,
    'volume:update_volume_metadata': member,
    'volume:delete_volume_metadata': member,
    'volume:get_all_across_projects': checks.admin,
    'volume_extension:volume_admin_actions:reset_status': checks.admin,
    'volume_extension:volume_host_attribute': checks.admin,
    'volume_extension:volume_mig_status_attribute': checks.admin,
    'volume_extension:volume_tenant_attribute': reader,
    'volume:attachment_create': member,
    'volume:attachment_update': member,
    'volume:attachment_complete': member,
    'volume:attachment_delete': member,
    'volume:attachment_get': reader,
    'volume:attachment_get_all': reader,
    'volume_extension:type_get': checks.anyone,
    'volume_extension:type_get_all': checks.anyone,
    'volume_extension:availability_zone_list': checks.anyone,
  },
};
