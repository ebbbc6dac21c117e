/**
 * An image as stored: the row of `images`, the value sets Glance accepts for its fields, and the limits it
 * applies (Glance's defaults for formats, tag and property quotas, list page sizes).
 */

export const VISIBILITIES = ['community', 'public', 'private', 'shared'] as const;
export type Visibility = (typeof VISIBILITIES)[number];

export const STATUSES = ['queued', 'saving', 'active', 'killed', 'deleted', 'deactivated'] as const;
export type ImageStatus = (typeof STATUSES)[number];

/** Glance's default `[image_format] disk_formats` and `container_formats`. */
export const DISK_FORMATS = ['ami', 'ari', 'aki', 'vhd', 'vhdx', 'vmdk', 'raw', 'qcow2', 'vdi', 'iso', 'ploop'] as const;
export const CONTAINER_FORMATS = ['ami', 'ari', 'aki', 'bare', 'ovf', 'ova', 'docker', 'compressed'] as const;

export const MEMBER_STATUSES = ['pending', 'accepted', 'rejected'] as const;
export type MemberStatus = (typeof MEMBER_STATUSES)[number];

/** Glance's `image_tag_quota` and `image_property_quota`. */
export const MAX_TAGS = 128;
export const MAX_PROPERTIES = 128;
/** Glance's `limit_param_default` and `api_limit_max`. */
export const DEFAULT_PAGE_SIZE = 25;
export const MAX_PAGE_SIZE = 1000;

/** The secure hash computed over every upload, next to the md5 `checksum`. */
export const HASH_ALGO = 'sha512';

export interface ImageRecord {
  id: string;
  name: string | null;
  status: ImageStatus;
  visibility: Visibility;
  protected: boolean;
  os_hidden: boolean;
  owner: string | null;
  disk_format: string | null;
  container_format: string | null;
  min_disk: number;
  min_ram: number;
  size: number | null;
  virtual_size: number | null;
  checksum: string | null;
  os_hash_algo: string | null;
  os_hash_value: string | null;
  /** Custom properties (hw_disk_bus, kernel_id, ...), all strings. */
  properties: Record<string, string>;
  tags: string[];
  created_at: Date;
  updated_at: Date;
}

/** The fields a client may set on create or change with PATCH (besides custom properties). */
export interface ImageFields {
  name: string | null;
  visibility: Visibility;
  protected: boolean;
  os_hidden: boolean;
  owner: string | null;
  disk_format: string | null;
  container_format: string | null;
  min_disk: number;
  min_ram: number;
  properties: Record<string, string>;
  tags: string[];
}

export interface MemberRecord {
  image_id: string;
  member_id: string;
  status: MemberStatus;
  created_at: Date;
  updated_at: Date;
}

/** The columns of `images` read back as an `ImageRecord` (bigints as numbers: image sizes stay below 2^53). */
export const IMAGE_COLUMNS = `id::text AS id, name, status, visibility, protected, os_hidden, owner, disk_format, container_format,
  min_disk, min_ram, size::float8 AS size, virtual_size::float8 AS virtual_size, checksum, os_hash_algo, os_hash_value,
  properties, tags, created_at, updated_at`;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Image ids are UUIDs; anything else names no image (and must never reach a uuid column). */
export const isImageId = (value: string): boolean => UUID.test(value);
