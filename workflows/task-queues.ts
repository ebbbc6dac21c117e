/**
 * Task queue names, shared by workers, workflows and the API. The controller's queue is configurable
 * (`NOVAFLOW_CONTROL_QUEUE`) so that several Novaflows — or test runs — can share one Temporal namespace.
 */
export const CONTROL_TASK_QUEUE = 'novaflow-control';

export function hostTaskQueue(host: string): string {
  return `compute.${host}`;
}

export function hostMonitorWorkflowId(host: string): string {
  return `host-monitor-${host}`;
}
