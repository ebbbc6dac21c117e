/** Neutron's error body: `{"NeutronError": {"type": "NetworkNotFound", "message": "...", "detail": ""}}`. */
import type { FaultFormat } from '../faults.ts';

const DEFAULT_TYPES: Readonly<Record<number, string>> = {
  400: 'HTTPBadRequest',
  401: 'HTTPUnauthorized',
  403: 'PolicyNotAuthorized',
  404: 'HTTPNotFound',
  405: 'HTTPMethodNotAllowed',
  406: 'HTTPNotAcceptable',
  409: 'HTTPConflict',
  413: 'HTTPRequestEntityTooLarge',
  415: 'HTTPUnsupportedMediaType',
  503: 'HTTPServiceUnavailable',
};

/** Neutron's wording for an unexpected failure (no internals). */
export const NEUTRON_INTERNAL_ERROR = 'Request Failed: internal server error while processing your request.';

export const neutronFormat: FaultFormat = (status, message, err) => ({
  NeutronError: {
    type: err?.type ?? DEFAULT_TYPES[status] ?? 'HTTPInternalServerError',
    message: status >= 500 && !err ? NEUTRON_INTERNAL_ERROR : message,
    detail: '',
  },
});
