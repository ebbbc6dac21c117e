/**
 * Controller-side block device activities of the build and delete workflows (Nova's block_device_mapping step):
 * volumes the build makes (from an image or blank) are created with ids derived from the instance, so a retried
 * step finds them; every volume is attached through the volume service's attachments API with the chosen host as
 * connector, and the connection info goes to the host in the spawn arguments. Each activity is idempotent.
 */
import { ApplicationFailure } from '@temporalio/common';
import type pg from 'pg';
import { completeAttachment, createAttachment, deleteAttachment, getAttachment, listAttachments, updateAttachment } from '../services/volume/attachments.ts';
import type { AttachedVolumeRecord } from './instances/events.ts';
import { createVolume, deleteVolume, getVolume, provisionVolume } from '../services/volume/volumes.ts';
import type { VolumeDisk } from '../host/driver.ts';
import { derivedUuid } from './derived-id.ts';

/** One entry of the server's block device mapping, as the API resolved it. */
export interface RequestedBlockDevice {
  /** An existing volume (source `volume`), or the id of the one the build makes (source `image` or `blank`). */
  volumeId: string;
  source: 'volume' | 'image' | 'blank';
  imageId?: string;
  sizeGb?: number;
  /** 0 for the root disk; null for the other volumes. */
  bootIndex: number | null;
  deleteOnTermination: boolean;
  /** Guest device name (vda, vdb, ...). */
  device: string;
}

export const VOLUME_SETUP_FAILED = 'VolumeSetupFailed';

/** The id of the volume the build makes for the instance's n-th block device. */
export const createdVolumeId = (instanceUuid: string, index: number) => derivedUuid(`${instanceUuid}/volume/${index}`);

function abort(uuid: string, err: unknown): never {
  throw ApplicationFailure.nonRetryable(
    `Build of instance ${uuid} aborted: Failure prepping block device. ${(err as Error).message}`,
    VOLUME_SETUP_FAILED,
  );
}

const isClientError = (err: unknown) => {
  const status = (err as { status?: number }).status;
  return status !== undefined && status < 500;
};

export function createVolumeActivities(deps: { db: pg.Pool; dataDir: string }) {
  /** The instance's volumes marked delete_on_termination: from the request it was built from and those attached since. */
  async function deletedWithInstance(uuid: string): Promise<string[]> {
    const result = await deps.db.query<{ devices: RequestedBlockDevice[] | null; attached: AttachedVolumeRecord[] | null }>(
      `SELECT request_spec->'block_devices' AS devices, volumes_attached AS attached FROM instances WHERE uuid = $1`,
      [uuid],
    );
    const row = result.rows[0];
    const ids = new Set((row?.devices ?? []).filter((d) => d.deleteOnTermination).map((d) => d.volumeId));
    for (const a of row?.attached ?? []) if (a.delete_on_termination) ids.add(a.id);
    return [...ids];
  }

  return {
    /**
     * Makes the volumes the build creates, then attaches every volume to the instance on `host` and returns the
     * disks for the domain. A volume already attached to this instance (a retry, or a reschedule) is reconnected.
     */
    async attachVolumes(input: { uuid: string; projectId: string; userId: string; host: string; devices: RequestedBlockDevice[] }): Promise<VolumeDisk[]> {
      const disks: VolumeDisk[] = [];
      for (const device of input.devices) {
        try {
          if (device.source !== 'volume') {
            await createVolume(deps.db, {
              id: device.volumeId,
              projectId: input.projectId,
              userId: input.userId,
              size: device.sizeGb ?? 1,
              name: '',
              imageId: device.source === 'image' ? (device.imageId ?? null) : null,
            });
            const volume = await provisionVolume(deps.db, deps.dataDir, device.volumeId);
            if (volume.status === 'error') throw new Error(`Volume ${device.volumeId} could not be created.`);
          }
          const connector = { host: input.host, mountpoint: `/dev/${device.device}`, platform: 'x86_64', os_type: 'linux' };
          const [existing] = await listAttachments(deps.db, { volumeId: device.volumeId, instanceUuid: input.uuid });
          const attachment = !existing
            ? await createAttachment(deps.db, deps.dataDir, { volumeId: device.volumeId, instanceUuid: input.uuid, connector })
            : existing.attach_status === 'attached' && existing.attached_host === input.host
              ? existing
              : await updateAttachment(deps.db, deps.dataDir, existing.id, connector);
          disks.push({
            volumeId: device.volumeId,
            attachmentId: attachment.id,
            device: device.device,
            bootIndex: device.bootIndex,
            connection: attachment.connection_info as VolumeDisk['connection'],
          });
        } catch (err) {
          if (isClientError(err)) abort(input.uuid, err);
          throw err;
        }
      }
      return disks;
    },

    /** The guest runs with its volumes: each attachment completes (volume in-use). */
    async completeVolumeAttachments(input: { uuid: string; attachments: { attachmentId: string; device: string; deleteOnTermination: boolean; tag?: string | null }[] }): Promise<AttachedVolumeRecord[]> {
      const attached: AttachedVolumeRecord[] = [];
      for (const a of input.attachments) {
        const attachment = await completeAttachment(deps.db, a.attachmentId);
        attached.push({ id: attachment.volume_id, delete_on_termination: a.deleteOnTermination, device: a.device, attachment_id: a.attachmentId, tag: a.tag ?? null });
      }
      return attached;
    },

    /** Connects a reserved attachment to the instance's host (volume attaching) and returns the disk for the domain. */
    async connectVolume(input: { uuid: string; host: string; attachmentId: string; device: string }): Promise<VolumeDisk> {
      const connector = { host: input.host, mountpoint: `/dev/${input.device}`, platform: 'x86_64', os_type: 'linux' };
      const current = await getAttachment(deps.db, input.attachmentId);
      if (!current) throw ApplicationFailure.nonRetryable(`Volume attachment ${input.attachmentId} no longer exists.`, VOLUME_SETUP_FAILED);
      const attachment = current.attach_status === 'attached' ? current : await updateAttachment(deps.db, deps.dataDir, input.attachmentId, connector);
      return {
        volumeId: attachment.volume_id,
        attachmentId: attachment.id,
        device: input.device,
        bootIndex: null,
        connection: attachment.connection_info as VolumeDisk['connection'],
      };
    },

    /** Removes one attachment (the volume becomes available when nothing else holds it). Idempotent. */
    async releaseAttachment(input: { attachmentId: string }): Promise<void> {
      await deleteAttachment(deps.db, input.attachmentId);
    },

    /**
     * Detaches every volume of the instance (the volumes become available again); with `deleteOnTermination`,
     * also deletes the ones marked so (the instance is going away, or its build failed for good).
     */
    async detachVolumes(input: { uuid: string; deleteOnTermination: boolean }): Promise<void> {
      for (const attachment of await listAttachments(deps.db, { instanceUuid: input.uuid })) {
        await deleteAttachment(deps.db, attachment.id);
      }
      if (!input.deleteOnTermination) return;
      for (const id of await deletedWithInstance(input.uuid)) {
        if (await getVolume(deps.db, id)) await deleteVolume(deps.db, deps.dataDir, id, { retry: true });
      }
    },
  };
}

export type VolumeActivities = ReturnType<typeof createVolumeActivities>;
