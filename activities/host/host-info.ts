/** Host-side activities about the host itself, served on `compute.<host>`. */
import type { HostInfo, HypervisorDriver } from './driver.ts';

export function createHostInfoActivities(driver: HypervisorDriver) {
  return {
    /** Reads the host's identity and capacity from its driver. Read-only, so any retry is safe. */
    async describeHost(): Promise<HostInfo> {
      return driver.hostInfo();
    },
  };
}

export type HostInfoActivities = ReturnType<typeof createHostInfoActivities>;
