/**
 * The one fault table: every API error becomes Nova's body `{"<name>": {"code": N, "message": "..."}}` through
 * here, whichever resource raised it.
 */
const FAULT_NAMES: Readonly<Record<number, string>> = {
  400: 'badRequest',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'itemNotFound',
  405: 'badMethod',
  409: 'conflictingRequest',
  413: 'overLimit',
  415: 'badMediaType',
  429: 'overLimit',
  501: 'notImplemented',
  503: 'serviceUnavailable',
};

export function faultName(status: number): string {
  return FAULT_NAMES[status] ?? 'computeFault';
}

export interface FaultBody {
  [name: string]: { code: number; message: string; retryAfter?: string };
}

export function faultBody(status: number, message: string, retryAfter?: number): FaultBody {
  const fault: FaultBody[string] = { code: status, message };
  if (retryAfter !== undefined && (status === 413 || status === 429)) fault.retryAfter = String(retryAfter);
  return { [faultName(status)]: fault };
}

/**
 * An error the API answers with a fault body in the style of the service that raised it (Nova by default).
 * `headers` are added to the response (e.g. Allow, Retry-After); `type` names the error class where a service
 * reports one (Neutron's `NeutronError.type`).
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Readonly<Record<string, string>> = {},
    readonly retryAfter?: number,
    readonly type?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  get body(): FaultBody {
    return faultBody(this.status, this.message, this.retryAfter);
  }
}

export const badRequest = (message: string) => new ApiError(400, message);
export const forbidden = (message: string) => new ApiError(403, message);
export const notFound = (message = 'The resource could not be found.') => new ApiError(404, message);
export const conflict = (message: string) => new ApiError(409, message);
export const notAcceptable = (message: string) => new ApiError(406, message);

/** Nova's answer to an unexpected exception: a 500 whose message asks for the log, without internals. */
export const UNEXPECTED_ERROR_MESSAGE =
  'Unexpected API Error. Please report this at http://bugs.launchpad.net/nova/ and attach the Nova API log if possible.';

const HTTP_TITLES: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Request Entity Too Large',
  415: 'Unsupported Media Type',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  503: 'Service Unavailable',
};

export function httpTitle(status: number): string {
  return HTTP_TITLES[status] ?? 'Error';
}

/** How one service writes an error body. */
export type FaultFormat = (status: number, message: string, err?: ApiError) => unknown;

/** Nova and Cinder: `{"itemNotFound": {"code": 404, "message": "..."}}`. */
export const novaFormat: FaultFormat = (status, message, err) => faultBody(status, message, err?.retryAfter);

/** Keystone (and keystonemiddleware's 401 everywhere): `{"error": {"code", "title", "message"}}`. */
export const keystoneFormat: FaultFormat = (status, message) => ({ error: { code: status, title: httpTitle(status), message } });
