/** Nova's closed vocabularies for instances, and the API status they map to. Pure: shared by workflows and API. */

export const VmState = {
  ACTIVE: 'active', BUILDING: 'building', PAUSED: 'paused', SUSPENDED: 'suspended', STOPPED: 'stopped',
  RESCUED: 'rescued', RESIZED: 'resized', SOFT_DELETED: 'soft-delete', DELETED: 'deleted', ERROR: 'error',
  SHELVED: 'shelved', SHELVED_OFFLOADED: 'shelved_offloaded',
} as const;

export const TaskState = {
  SCHEDULING: 'scheduling', NETWORKING: 'networking', BLOCK_DEVICE_MAPPING: 'block_device_mapping', SPAWNING: 'spawning',
  DELETING: 'deleting', REBOOTING: 'rebooting', REBOOTING_HARD: 'rebooting_hard', POWERING_OFF: 'powering-off',
  POWERING_ON: 'powering-on', PAUSING: 'pausing', UNPAUSING: 'unpausing', SUSPENDING: 'suspending', RESUMING: 'resuming',
} as const;

const STATUS_BY_VM_STATE: Record<string, string> = {
  active: 'ACTIVE', building: 'BUILD', paused: 'PAUSED', suspended: 'SUSPENDED', stopped: 'SHUTOFF', rescued: 'RESCUE',
  resized: 'VERIFY_RESIZE', 'soft-delete': 'SOFT_DELETED', deleted: 'DELETED', error: 'ERROR', shelved: 'SHELVED',
  shelved_offloaded: 'SHELVED_OFFLOADED',
};

/** Task states that show as another status while the instance is active (Nova's state → status table). */
const ACTIVE_TASK_STATUS: Record<string, string> = {
  rebooting: 'REBOOT', reboot_pending: 'REBOOT', reboot_started: 'REBOOT',
  rebooting_hard: 'HARD_REBOOT', reboot_pending_hard: 'HARD_REBOOT', reboot_started_hard: 'HARD_REBOOT',
  updating_password: 'PASSWORD', rebuilding: 'REBUILD', rebuild_block_device_mapping: 'REBUILD', rebuild_spawning: 'REBUILD',
  migrating: 'MIGRATING', resize_prep: 'RESIZE', resize_migrating: 'RESIZE', resize_migrated: 'RESIZE', resize_finish: 'RESIZE',
};

export function serverStatus(vmState: string, taskState: string | null): string {
  if (vmState === 'active' && taskState && ACTIVE_TASK_STATUS[taskState]) return ACTIVE_TASK_STATUS[taskState]!;
  if (vmState === 'resized' && taskState === 'resize_reverting') return 'REVERT_RESIZE';
  if (vmState === 'stopped' && taskState && ['rebooting_hard', 'reboot_pending_hard', 'reboot_started_hard'].includes(taskState)) return 'HARD_REBOOT';
  return STATUS_BY_VM_STATE[vmState] ?? 'UNKNOWN';
}

export function buildWorkflowId(uuid: string): string {
  return `instance-${uuid}-create`;
}

export function deleteWorkflowId(uuid: string): string {
  return `instance-${uuid}-delete`;
}

/** A confirm of a resize (by the user, or by the resize's own timer). */
export function confirmWorkflowId(uuid: string, requestId: string): string {
  return `instance-${uuid}-confirmResize-${requestId}`;
}

/** A live migration's workflow id: the migration record names it, so the API can signal it (abort, force complete). */
export function liveMigrationWorkflowId(uuid: string, requestId: string): string {
  return `instance-${uuid}-live-migration-${requestId}`;
}

/** The timer that confirms a resize left waiting (Nova's resize_confirm_window), one per migration. */
export function autoConfirmWorkflowId(uuid: string, migrationUuid: string): string {
  return `instance-${uuid}-auto-confirm-${migrationUuid}`;
}
