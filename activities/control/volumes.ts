/**
 * Controller-side block device activities of the build and delete workflows (Nova's block_device_mapping step):
 * volumes the build makes (from an image or blank) are created with ids derived from the instance, so a retried
 * step finds them; every volume is attached through the volume service's attachments API with the chosen host as
 * connector, and the connection info goes to the host in the spawn arguments. Each activity is idempotent.
 */
import { ApplicationFailure } from '@temporalio/common';
import type pg from 'pg';
import { completeAttachment, createAttachment, deleteAttachment, listAttachments, updateAttachment } from '../services/volume/attachments.ts';
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

export interface AttachedVolume {
  id: string;
  delete_on_termination: boolean;
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
  /** The instance's volumes with their delete_on_termination flags, from the request it was built from. */
  async function requestedDevices(uuid: string): Promise<RequestedBlockDevice[]> {
    const result = await deps.db.query<{ devices: RequestedBlockDevice[] | null }>(
      `SELECT request_spec->'block_devices' AS devices FROM instances WHERE uuid = $1`,
      [uuid],
    );
    return result.rows[0]?.devices ?? [];
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
    async completeVolumeAttachments(input: { uuid: string; attachmentIds: string[] }): Promise<AttachedVolume[]> {
      const devices = await requestedDevices(input.uuid);
      const attached: AttachedVolume[] = [];
      for (const id of input.attachmentIds) {
        const attachment = await completeAttachment(deps.db, id);
        const device = devices.find((d) => d.volumeId === attachment.volume_id);
        attached.push({ id: attachment.volume_id, delete_on_termination: device?.deleteOnTermination ?? false });
      }
      return attached;
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
      for (const device of await requestedDevices(input.uuid)) {
        if (!device.deleteOnTermination || !(await getVolume(deps.db, device.volumeId))) continue;
        await deleteVolume(deps.db, deps.dataDir, device.volumeId, { retry: true });
      }
    },
  };
}

export type VolumeActivities = ReturnType<typeof createVolumeActivities>;
