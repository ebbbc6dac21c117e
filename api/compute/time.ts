/** Nova's timestamp forms. */

/** `2026-11-22T13:42:02.123000` — microseconds, no zone (services, AZ hosts). */
export function novaTime(date: Date | null | undefined): string | null {
  if (!date) return null;
  return date.toISOString().replace('Z', '000');
}

/** `2026-11-22T13:42:02Z` — seconds and a Z (servers, actions). */
export function isoSeconds(date: Date | null | undefined): string | null {
  if (!date) return null;
  return `${date.toISOString().slice(0, 19)}Z`;
}
