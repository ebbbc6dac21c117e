/** Keystone's error wordings. */
import { ApiError } from '../faults.ts';

export const notFound = (kind: string, id: string) => new ApiError(404, `Could not find ${kind}: ${id}.`);

export const duplicate = (kind: string, detail: string) =>
  new ApiError(409, `Conflict occurred attempting to store ${kind} - ${detail}.`);

export const unauthorized = () => new ApiError(401, 'The request you have made requires authentication.');
