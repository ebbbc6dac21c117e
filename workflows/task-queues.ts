/** Task queue names, shared by workers, workflows and the API. */
export const CONTROL_TASK_QUEUE = 'novaflow-control';

export function hostTaskQueue(host: string): string {
  return `compute.${host}`;
}

export function hostMonitorWorkflowId(host: string): string {
  return `host-monitor-${host}`;
}
