/** libvirt domain states (virsh's words) as Nova's power states. */
import { PowerState, type DomainState, type PowerStateValue } from '../driver.ts';
import type { DomInfo } from './virsh.ts';

/** Nova's power state for a libvirt domain state (virsh's words). A shut-off domain with a managed save is suspended. */
export function powerStateOf(state: string, managedSave: boolean): PowerStateValue {
  switch (state) {
    case 'running':
    case 'idle':
    case 'blocked':
      return PowerState.RUNNING;
    case 'paused':
      return PowerState.PAUSED;
    case 'in shutdown':
      return PowerState.SHUTDOWN;
    case 'shut off':
      return managedSave ? PowerState.SUSPENDED : PowerState.SHUTDOWN;
    case 'crashed':
      return PowerState.CRASHED;
    case 'pmsuspended':
      return PowerState.SUSPENDED;
    default:
      return PowerState.NOSTATE;
  }
}

export const stateOf = (info: DomInfo): DomainState => ({ uuid: info.uuid, name: info.name, powerState: powerStateOf(info.state, info.managedSave) });

