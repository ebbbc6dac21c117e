/** Cinder's JSON for volumes, attachments, types and availability zones. */
import type { Attachment } from '../../activities/services/volume/attachments.ts';
import type { Volume } from '../../activities/services/volume/volumes.ts';
import type { Microversion } from '../microversion.ts';

/** Cinder's timestamps: ISO 8601 with microseconds and no zone (UTC). */
export const cinderTime = (d: Date | string | null | undefined) =>
  d === null || d === undefined ? null : new Date(d).toISOString().replace(/Z$/, '000');

export const DEFAULT_TYPE_ID = '1d9e2f5a-6c3b-4e8f-9a7d-2b4c6e8f0a13';
export const DEFAULT_TYPE_NAME = '__DEFAULT__';

export const defaultType = () => ({
  id: DEFAULT_TYPE_ID,
  name: DEFAULT_TYPE_NAME,
  description: 'Default Volume Type',
  is_public: true,
  'os-volume-type-access:is_public': true,
  extra_specs: {},
  qos_specs_id: null,
});

export interface ViewContext {
  publicUrl: string;
  version: Microversion;
  /** The caller may see admin-only attributes (host, migration status). */
  admin: boolean;
  /** The caller may see the owning project. */
  tenantAttribute: boolean;
}

export function volumeLinks(publicUrl: string, v: Pick<Volume, 'id' | 'project_id'>) {
  return [
    { rel: 'self', href: `${publicUrl}/volume/v3/${v.project_id}/volumes/${v.id}` },
    { rel: 'bookmark', href: `${publicUrl}/volume/${v.project_id}/volumes/${v.id}` },
  ];
}

export const volumeSummary = (publicUrl: string, v: Volume) => ({ id: v.id, name: v.name, links: volumeLinks(publicUrl, v) });

export function volumeDetail(ctx: ViewContext, v: Volume) {
  const at = (min: string) => ctx.version.atLeast(min);
  return {
    id: v.id,
    name: v.name,
    description: v.description,
    status: v.status,
    size: v.size,
    availability_zone: v.availability_zone,
    created_at: cinderTime(v.created_at),
    updated_at: cinderTime(v.updated_at),
    attachments: v.attachments
      .filter((a) => a.attach_status === 'attached')
      .map((a) => ({
        id: v.id,
        attachment_id: a.id,
        volume_id: v.id,
        server_id: a.instance_uuid,
        host_name: a.attached_host,
        device: a.mountpoint,
        attached_at: cinderTime(a.attach_time),
      })),
    bootable: String(v.bootable),
    encrypted: false,
    multiattach: v.multiattach,
    volume_type: v.volume_type,
    metadata: v.metadata,
    user_id: v.user_id,
    snapshot_id: null,
    source_volid: null,
    consistencygroup_id: null,
    replication_status: null,
    migration_status: null,
    links: volumeLinks(ctx.publicUrl, v),
    ...(v.image_id ? { volume_image_metadata: { image_id: v.image_id } } : {}),
    ...(ctx.tenantAttribute ? { 'os-vol-tenant-attr:tenant_id': v.project_id } : {}),
    ...(ctx.admin
      ? { 'os-vol-host-attr:host': 'novaflow@file#file', 'os-vol-mig-status-attr:migstat': null, 'os-vol-mig-status-attr:name_id': null }
      : {}),
    ...(at('3.13') ? { group_id: null } : {}),
    ...(at('3.21') ? { provider_id: null } : {}),
    ...(at('3.48') ? { service_uuid: null, shared_targets: false } : {}),
    ...(at('3.61') && ctx.admin ? { cluster_name: null } : {}),
    ...(at('3.63') ? { volume_type_id: DEFAULT_TYPE_ID } : {}),
    ...(at('3.65') ? { consumes_quota: true } : {}),
  };
}

export const attachmentSummary = (a: Attachment) => ({ id: a.id, status: a.attach_status, instance: a.instance_uuid, volume_id: a.volume_id });

export const attachmentDetail = (a: Attachment) => ({
  ...attachmentSummary(a),
  attached_at: cinderTime(a.attach_time) ?? '',
  detached_at: '',
  attach_mode: a.attach_mode,
  connection_info: a.connection_info,
});
