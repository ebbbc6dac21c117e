import { randomUUID } from 'node:crypto';

/** Keystone-style identifier: a UUID4 as 32 hex digits. */
export function newId(): string {
  return randomUUID().replaceAll('-', '');
}

export const DEFAULT_DOMAIN_ID = 'default';
