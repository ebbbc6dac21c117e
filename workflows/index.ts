/** Every workflow the controller worker runs. */
export { buildInstance } from './build-instance.ts';
export { deleteInstance } from './delete-instance.ts';
export { hostMonitor, probeHost } from './host-monitor.ts';
