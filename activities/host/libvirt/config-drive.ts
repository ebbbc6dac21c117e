/**
 * The config drive: an ISO 9660 image labelled `config-2` in OpenStack's layout (`openstack/latest/meta_data.json`,
 * `user_data`, `network_data.json`), attached as a read-only cdrom, made with genisoimage as Nova makes it.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { DomainSpec } from '../driver.ts';
import { run } from './exec.ts';

/** The files of the config drive, by path inside the ISO. Pure. */
export function configDriveFiles(spec: DomainSpec): Record<string, string | Buffer> {
  const meta = {
    uuid: spec.uuid,
    name: spec.name,
    hostname: spec.name,
    launch_index: 0,
    availability_zone: null,
    public_keys: spec.keyData ? { default: spec.keyData } : {},
    ...(spec.keyData ? { keys: [{ name: 'default', type: 'ssh', data: spec.keyData }] } : {}),
    meta: {},
  };
  const network = {
    links: spec.interfaces.map((nic) => ({ id: `tap${nic.portId.slice(0, 11)}`, vif_id: nic.portId, type: 'phy', ethernet_mac_address: nic.mac, mtu: null })),
    networks: [],
    services: [],
  };
  const files: Record<string, string | Buffer> = {
    'openstack/latest/meta_data.json': JSON.stringify(meta),
    'openstack/latest/network_data.json': JSON.stringify(network),
    'openstack/latest/vendor_data.json': '{}',
  };
  // The compute API takes user data base64-encoded; the guest reads it decoded.
  if (spec.userData) files['openstack/latest/user_data'] = Buffer.from(spec.userData, 'base64');
  return files;
}

export async function makeConfigDrive(spec: DomainSpec, destination: string): Promise<void> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'novaflow-cd-'));
  try {
    for (const [name, content] of Object.entries(configDriveFiles(spec))) {
      await fs.mkdir(path.join(dir, path.dirname(name)), { recursive: true });
      await fs.writeFile(path.join(dir, name), content);
    }
    await run('genisoimage', ['-o', destination, '-ldots', '-allow-lowercase', '-allow-multidot', '-l', '-publisher', 'Novaflow', '-quiet', '-J', '-r', '-V', 'config-2', dir]);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}
