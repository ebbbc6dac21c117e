/** How images and members look on the wire: Glance's fields, custom properties flat, links relative to `/v2`. */
import type { ImageRecord, MemberRecord } from '../../activities/services/image/records.ts';

/** Glance's timestamps: ISO 8601 in UTC to the second, `Z` suffix. */
export const isoTime = (at: Date): string => `${at.toISOString().slice(0, 19)}Z`;

export const imageHref = (id: string) => `/v2/images/${id}`;

export function imageView(image: ImageRecord): Record<string, unknown> {
  return {
    ...image.properties,
    name: image.name,
    disk_format: image.disk_format,
    container_format: image.container_format,
    visibility: image.visibility,
    size: image.size,
    virtual_size: image.virtual_size,
    status: image.status,
    checksum: image.checksum,
    protected: image.protected,
    min_ram: image.min_ram,
    min_disk: image.min_disk,
    owner: image.owner,
    os_hidden: image.os_hidden,
    os_hash_algo: image.os_hash_algo,
    os_hash_value: image.os_hash_value,
    id: image.id,
    created_at: isoTime(image.created_at),
    updated_at: isoTime(image.updated_at),
    tags: image.tags,
    self: imageHref(image.id),
    file: `${imageHref(image.id)}/file`,
    schema: '/v2/schemas/image',
  };
}

export function memberView(member: MemberRecord): Record<string, unknown> {
  return {
    member_id: member.member_id,
    image_id: member.image_id,
    status: member.status,
    created_at: isoTime(member.created_at),
    updated_at: isoTime(member.updated_at),
    schema: '/v2/schemas/member',
  };
}
