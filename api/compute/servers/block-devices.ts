/**
 * `block_device_mapping_v2` of a server create request: what the server boots from (an image on a local disk, or
 * a volume — an existing one, or one the build makes from an image) and which other volumes it gets, with
 * Nova's 400s. Volumes the build makes are given ids derived from the instance, so they are named per instance.
 */
import type pg from 'pg';
import { createdVolumeId, type RequestedBlockDevice } from '../../../activities/control/volumes.ts';
import { getVolume } from '../../../activities/services/volume/volumes.ts';
import type { AuthContext } from '../../auth/context.ts';
import { badRequest } from '../../faults.ts';

export interface MappingInput {
  source_type?: string;
  destination_type?: string;
  uuid?: string;
  boot_index?: number | string | null;
  volume_size?: number | string;
  delete_on_termination?: boolean | string;
}

export interface BootPlan {
  /** The image the server boots from on a local disk; undefined when it boots from a volume. */
  localImage?: string;
  /** The image behind the root volume, when the build makes the root volume from an image. */
  volumeImage?: string;
  bootFromVolume: boolean;
  /** The block devices of the n-th instance of the request (volume ids of made volumes depend on the instance). */
  devicesFor(instanceUuid: string): RequestedBlockDevice[];
}

const INVALID_BOOT = 'Block Device Mapping is Invalid: Boot sequence for the instance and image/block device mapping combination is not valid.';
const invalidBdm = (why: string) => badRequest(`Block Device Mapping is Invalid: ${why}`);

function bootIndex(value: MappingInput['boot_index']): number | null {
  if (value === undefined || value === null || value === 'none' || value === 'None') return null;
  const n = Number(value);
  if (!Number.isInteger(n)) throw badRequest(`Invalid input for field/attribute boot_index. Value: ${value}. '${value}' is not a valid boot index`);
  return n < 0 ? null : n;
}

function flag(value: MappingInput['delete_on_termination']): boolean {
  return value === true || (typeof value === 'string' && ['true', '1', 'yes', 'on', 't', 'y'].includes(value.toLowerCase()));
}

function size(value: MappingInput['volume_size']): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw badRequest(`Invalid input for field/attribute volume_size. Value: ${value}. '${value}' is not a valid size`);
  return n;
}

const deviceName = (index: number) => `vd${String.fromCharCode('a'.charCodeAt(0) + index)}`;

export async function planBoot(
  db: pg.Pool,
  auth: AuthContext,
  imageRef: string | undefined,
  mappings: MappingInput[] | undefined,
  maxCount: number,
): Promise<BootPlan> {
  const image = imageRef ? imageRef.replace(/^.*\/images\//, '') : undefined;
  type Entry = Omit<RequestedBlockDevice, 'volumeId' | 'device'> & { volumeId?: string; index: number; local: boolean };
  const entries: Entry[] = [];
  for (const [index, m] of (mappings ?? []).entries()) {
    const source = m.source_type ?? (m.uuid ? 'volume' : undefined);
    const boot = bootIndex(m.boot_index);
    const destination = m.destination_type ?? (source === 'image' ? 'local' : 'volume');
    if (source === 'snapshot') throw invalidBdm('Booting from or attaching volume snapshots is not supported by Novaflow.');
    if (source === 'image' && destination === 'local') {
      if (boot !== 0) throw invalidBdm('Mapping image to local is not supported.');
      if (m.uuid && image && m.uuid !== image) throw badRequest(INVALID_BOOT);
      entries.push({ source: 'image', imageId: m.uuid ?? image, bootIndex: 0, deleteOnTermination: true, index, local: true });
      continue;
    }
    if (destination === 'local') {
      throw invalidBdm('Ephemeral and swap disks in block_device_mapping_v2 are not supported by Novaflow; use a flavor with ephemeral or swap instead.');
    }
    if (source === 'volume') {
      if (!m.uuid) throw invalidBdm('Missing volume id (uuid) for a volume source.');
      const volume = await getVolume(db, m.uuid).catch(() => undefined);
      if (!volume || (!auth.isAdmin && volume.project_id !== auth.projectId)) throw invalidBdm(`failed to get volume ${m.uuid}.`);
      if (volume.status !== 'available' && !volume.multiattach) {
        throw badRequest(`Invalid volume: volume '${m.uuid}' status must be 'available'. Currently in '${volume.status}'`);
      }
      entries.push({ source: 'volume', volumeId: volume.id, bootIndex: boot, deleteOnTermination: flag(m.delete_on_termination), index, local: false });
      continue;
    }
    if (source === 'image' || source === 'blank') {
      const sizeGb = size(m.volume_size);
      if (!sizeGb) {
        throw invalidBdm(
          source === 'image' ? "Images with destination_type 'volume' need to have a non-zero size specified" : 'Blank volumes need a non-zero volume_size.',
        );
      }
      if (source === 'image' && !m.uuid && !image) throw invalidBdm('Missing image id (uuid) for an image source.');
      entries.push({ source, imageId: source === 'image' ? (m.uuid ?? image) : undefined, sizeGb, bootIndex: boot, deleteOnTermination: flag(m.delete_on_termination), index, local: false });
      continue;
    }
    throw badRequest(`Invalid input for field/attribute source_type. Value: ${String(m.source_type)}.`);
  }

  const boots = entries.filter((e) => e.bootIndex === 0);
  if (boots.length > 1) throw badRequest(INVALID_BOOT);
  const root = boots[0];
  if (!root && !image) throw badRequest(INVALID_BOOT);
  if (root?.source === 'blank') throw badRequest(INVALID_BOOT);
  if (maxCount > 1 && entries.some((e) => e.source === 'volume')) {
    throw badRequest('Cannot attach one or more volumes to multiple instances');
  }

  const bootFromVolume = root !== undefined && !root.local;
  // The root disk is vda; the other volumes follow in request order.
  const volumes = entries.filter((e) => !e.local).sort((a, b) => Number(b === root) - Number(a === root) || a.index - b.index);
  return {
    localImage: bootFromVolume ? undefined : (root?.imageId ?? image),
    volumeImage: bootFromVolume && root.source === 'image' ? root.imageId : undefined,
    bootFromVolume,
    devicesFor: (instanceUuid) =>
      volumes.map((e, n) => ({
        volumeId: e.volumeId ?? createdVolumeId(instanceUuid, e.index),
        source: e.source,
        ...(e.imageId ? { imageId: e.imageId } : {}),
        ...(e.sizeGb !== undefined ? { sizeGb: e.sizeGb } : {}),
        bootIndex: e === root ? 0 : null,
        deleteOnTermination: e.deleteOnTermination,
        device: deviceName(bootFromVolume ? n : n + 1),
      })),
  };
}
