/**
 * Glance's error body (webob's JSON error form): `{"code": "404 Not Found", "title": "Not Found", "message": "..."}`.
 * openstacksdk reads `message` from it, so the CLI prints Glance's wording.
 */
import type { FaultFormat } from '../faults.ts';

const TITLES: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  409: 'Conflict',
  410: 'Gone',
  413: 'Request Entity Too Large',
  415: 'Unsupported Media Type',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  503: 'Service Unavailable',
};

export const glanceTitle = (status: number): string => TITLES[status] ?? (status >= 500 ? 'Internal Server Error' : 'Error');

/** What webob says for a 500: no internals. */
export const GLANCE_INTERNAL_ERROR = 'The server has either erred or is incapable of performing the requested operation.';

export const glanceFormat: FaultFormat = (status, message, err) => ({
  code: `${status} ${glanceTitle(status)}`,
  title: glanceTitle(status),
  message: status >= 500 && !err ? GLANCE_INTERNAL_ERROR : message,
});
