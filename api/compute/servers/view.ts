/** A server as Nova shows it at the request's microversion (and role: admins see the extended attributes). */
import { createHash } from 'node:crypto';
import type { Response } from 'express';
import type { InstanceRow } from '../../../activities/control/db/instances.ts';
import { serverStatus } from '../../../workflows/instance-states.ts';
import { resourceLinks } from '../links.ts';
import { isoSeconds } from '../time.ts';

const PROGRESS_STATUSES = new Set(['ACTIVE', 'BUILD', 'REBUILD', 'RESIZE', 'VERIFY_RESIZE', 'MIGRATING']);

/** Nova's hostId: a project-scoped digest of the host name, so projects cannot map hosts across each other. */
export function hostId(projectId: string, host: string | null): string {
  return host ? createHash('sha224').update(projectId + host).digest('hex') : '';
}

export function instanceName(id: string | number): string {
  return `instance-${Number(id).toString(16).padStart(8, '0')}`;
}

function hostStatus(row: InstanceRow): string {
  if (!row.host) return '';
  if (row.host_up === null) return 'UNKNOWN';
  return row.host_up ? 'UP' : 'DOWN';
}

export function addressesView(row: InstanceRow) {
  return Object.fromEntries(
    Object.entries(row.addresses).map(([net, ips]) => [
      net,
      ips.map((ip) => ({ version: ip.version, addr: ip.addr, 'OS-EXT-IPS:type': 'fixed', 'OS-EXT-IPS-MAC:mac_addr': ip.mac ?? '' })),
    ]),
  );
}

export function serverLinks(res: Response, publicUrl: string, uuid: string) {
  return resourceLinks(res, publicUrl, 'servers', uuid);
}

export function serverView(row: InstanceRow, res: Response, publicUrl: string) {
  const v = res.locals.microversion;
  const admin = res.locals.auth.isAdmin;
  const status = serverStatus(row.vm_state, row.task_state);
  const f = row.flavor;
  const flavor = v.atLeast('2.47')
    ? { vcpus: f.vcpus, ram: f.memory_mb, disk: f.root_gb, ephemeral: f.ephemeral_gb, swap: f.swap, original_name: f.name, extra_specs: f.extra_specs }
    : { id: f.flavorid, links: [{ rel: 'bookmark', href: `${publicUrl}/compute/flavors/${f.flavorid}` }] };
  const image = row.image_ref
    ? { id: row.image_ref, links: [{ rel: 'bookmark', href: `${publicUrl}/compute/images/${row.image_ref}` }] }
    : '';
  const view: Record<string, unknown> = {
    id: row.uuid,
    name: row.name,
    status,
    tenant_id: row.project_id,
    user_id: row.user_id,
    metadata: row.metadata,
    hostId: hostId(row.project_id, row.host),
    image,
    flavor,
    created: isoSeconds(row.created_at),
    updated: isoSeconds(row.updated_at ?? row.created_at),
    addresses: addressesView(row),
    accessIPv4: row.access_ip_v4,
    accessIPv6: row.access_ip_v6,
    links: serverLinks(res, publicUrl, row.uuid),
    'OS-DCF:diskConfig': 'MANUAL',
    key_name: row.key_name,
    config_drive: row.config_drive,
    security_groups: row.security_groups,
    'OS-EXT-AZ:availability_zone': row.availability_zone ?? (row.host ? 'nova' : ''),
    'OS-SRV-USG:launched_at': row.launched_at ? row.launched_at.toISOString().replace('Z', '000') : null,
    'OS-SRV-USG:terminated_at': row.terminated_at ? row.terminated_at.toISOString().replace('Z', '000') : null,
    'OS-EXT-STS:vm_state': row.vm_state,
    'OS-EXT-STS:task_state': row.task_state,
    'OS-EXT-STS:power_state': row.power_state,
    'os-extended-volumes:volumes_attached': (row.volumes_attached ?? []).map((a) =>
      v.atLeast('2.3') ? { id: a.id, delete_on_termination: a.delete_on_termination } : { id: a.id },
    ),
  };
  if (PROGRESS_STATUSES.has(status)) view.progress = row.progress;
  if ((status === 'ERROR' || status === 'DELETED') && row.fault) {
    view.fault = {
      code: row.fault.code,
      created: isoSeconds(new Date(row.fault.created)),
      message: row.fault.message,
      ...(admin && row.fault.details ? { details: row.fault.details } : {}),
    };
  }
  if (admin) {
    view['OS-EXT-SRV-ATTR:host'] = row.host;
    view['OS-EXT-SRV-ATTR:instance_name'] = instanceName(row.id);
    view['OS-EXT-SRV-ATTR:hypervisor_hostname'] = row.node;
    if (v.atLeast('2.3')) {
      Object.assign(view, {
        'OS-EXT-SRV-ATTR:kernel_id': null,
        'OS-EXT-SRV-ATTR:launch_index': row.launch_index,
        'OS-EXT-SRV-ATTR:ramdisk_id': null,
        'OS-EXT-SRV-ATTR:reservation_id': row.reservation_id,
        'OS-EXT-SRV-ATTR:root_device_name': '/dev/vda',
        'OS-EXT-SRV-ATTR:user_data': row.user_data,
      });
    }
  }
  if ((admin && v.atLeast('2.3')) || v.atLeast('2.90')) view['OS-EXT-SRV-ATTR:hostname'] = row.hostname;
  if (v.atLeast('2.9')) view.locked = row.locked;
  if (v.atLeast('2.16') && admin) view.host_status = hostStatus(row);
  if (v.atLeast('2.19')) view.description = row.description;
  if (v.atLeast('2.26')) view.tags = row.tags;
  if (v.atLeast('2.63')) view.trusted_image_certificates = null;
  if (v.atLeast('2.71')) view.server_groups = (row.request_spec.group as string | undefined) ? [row.request_spec.group as string] : [];
  if (v.atLeast('2.73')) view.locked_reason = row.locked_reason;
  if (v.atLeast('2.96')) view.pinned_availability_zone = row.availability_zone;
  if (v.atLeast('2.100')) view.scheduler_hints = (row.request_spec.hints as Record<string, unknown> | undefined) ?? {};
  return view;
}
