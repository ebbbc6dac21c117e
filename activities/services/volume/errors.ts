/** Cinder's error wordings, as `ApiError`s (the volume API answers them in Cinder's `{"itemNotFound": ...}` form). */
import { ApiError } from '../../../api/faults.ts';

export const volumeNotFound = (id: string) => new ApiError(404, `Volume ${id} could not be found.`, {}, undefined, 'VolumeNotFound');
export const attachmentNotFound = (id: string) =>
  new ApiError(404, `VolumeAttachment ${id} could not be found.`, {}, undefined, 'VolumeAttachmentNotFound');
export const invalidVolume = (reason: string) => new ApiError(400, `Invalid volume: ${reason}`, {}, undefined, 'InvalidVolume');
export const invalidInput = (reason: string) => new ApiError(400, `Invalid input received: ${reason}`, {}, undefined, 'InvalidInput');

/** Cinder's refusal to delete a volume that is busy. */
export const volumeNotDeletable = () =>
  invalidVolume(
    'Volume status must be available or error or error_restoring or error_extending or error_managing and must not be migrating, attached, belong to a group, have snapshots, awaiting a transfer, or be disassociated from snapshots after volume transfer.',
  );
