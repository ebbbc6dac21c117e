/** Every workflow the controller worker runs. */
export { hostMonitor, probeHost } from './host-monitor.ts';
