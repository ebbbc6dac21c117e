/** Glance's error wordings, as `ApiError`s (the image API answers them in Glance's `{"code", "title", "message"}` form). */
import { ApiError } from '../../../api/faults.ts';

const error = (status: number, message: string, headers: Record<string, string> = {}) => new ApiError(status, message, headers);

export const imageNotFound = (id: string) => error(404, `No image found with ID ${id}`);
export const imageNotFoundToDelete = (id: string) => error(404, `Failed to find image ${id} to delete`);
export const badRequest = (message: string) => error(400, message);
export const forbidden = (message: string) => error(403, message);
export const conflict = (message: string) => error(409, message);

/** A body that does not fit the image schema (Glance validates with jsonschema and quotes its reason). */
export const schemaMismatch = (schema: string, reason: string) => badRequest(`Provided object does not match schema '${schema}': ${reason}`);

export const readOnly = (attribute: string) => forbidden(`Attribute '${attribute}' is read-only.`);
export const reserved = (attribute: string) => forbidden(`Attribute '${attribute}' is reserved.`);
export const duplicateImage = (id: string) => conflict(`Image ID ${id} already exists!`);
export const protectedImage = (id: string) => forbidden(`Image ${id} is protected and cannot be deleted.`);
export const statusTransition = (from: string, to: string) => conflict(`Image status transition from ${from} to ${to} is not allowed`);
export const negativeValue = (param: string, value: number) =>
  badRequest(`Invalid value '${value}' for parameter '${param}': Cannot be a negative value`);

export const tooManyTags = (attempted: number, maximum: number) =>
  error(413, `The limit has been exceeded on the number of allowed image tags. Attempted: ${attempted}, Maximum: ${maximum}`);
export const tooManyProperties = (attempted: number, maximum: number) =>
  error(413, `The limit has been exceeded on the number of allowed image properties. Attempted: ${attempted}, Maximum: ${maximum}`);

/** Upload of data the image's disk_format does not describe (Glance inspects what it stores). */
export const formatMismatch = (declared: string, detected: string) =>
  badRequest(`Image disk_format ${declared} does not match stream data ${detected}`);
export const unsafeImage = () => badRequest('Image failed safety checks');
export const deletedDuringUpload = (id: string) =>
  error(410, `Image ${id} could not be found after upload. The image may have been deleted during the upload.`);
export const missingFormats = (missing: readonly string[]) =>
  badRequest(missing.length === 1 ? `Property ${missing[0]} must be set prior to saving data.` : `Properties ${missing.join(', ')} must be set prior to saving data.`);
