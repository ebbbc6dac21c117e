/** Every workflow the controller worker runs. */
export { buildInstance } from './build-instance.ts';
export { deleteInstance } from './delete-instance.ts';
export { hostMonitor, probeHost } from './host-monitor.ts';
export { consoleOutput, pauseInstance, rebootInstance, resumeInstance, startInstance, stopInstance, suspendInstance, unpauseInstance } from './power-actions.ts';
export { attachVolumeToInstance, detachVolumeFromInstance } from './volume-attachments.ts';
export { autoConfirmResize, confirmResize, resizeInstance, revertResize } from './resize-instance.ts';
export { liveMigrateInstance } from './live-migrate.ts';
export { evacuateInstance } from './evacuate.ts';
export { runbook } from './runbook.ts';
