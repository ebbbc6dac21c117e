/**
 * Guest networking on a libvirt host: every Novaflow network is one Linux bridge on the host, named
 * `nfbr-<first 8 hex digits of the network id>` (13 characters, inside Linux's 15-character limit). The bridge is
 * created on first use with `ip link` (idempotently: an existing bridge is reused, a concurrent creation is not an
 * error) and brought up. Each guest NIC is a tap device `tap<first 11 of the port id>` that libvirt creates and
 * enslaves to that bridge, with the port's MAC address. So guests on the same network and host share a layer-2
 * segment; the bridge has no uplink and no address of its own (DHCP, routing and uplinks to other hosts are not
 * done here — a later step can enslave a host NIC or a VXLAN device to the same bridge).
 */
import { run } from './exec.ts';

export function bridgeName(networkId: string): string {
  return `nfbr-${networkId.replace(/-/g, '').slice(0, 8)}`;
}

async function linkExists(name: string): Promise<boolean> {
  try {
    await run('ip', ['link', 'show', 'dev', name]);
    return true;
  } catch {
    return false;
  }
}

/** Creates (when missing) and brings up the bridge of a network; returns its name. */
export async function ensureBridge(networkId: string): Promise<string> {
  const name = bridgeName(networkId);
  if (!(await linkExists(name))) {
    try {
      await run('ip', ['link', 'add', 'name', name, 'type', 'bridge']);
    } catch (err) {
      // Another activity may have created it between the check and the add.
      if (!(await linkExists(name))) throw new Error(`could not create bridge ${name}: ${(err as Error).message}`, { cause: err });
    }
  }
  await run('ip', ['link', 'set', 'dev', name, 'up']);
  return name;
}
