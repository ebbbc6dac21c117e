import { describe, expect, it } from 'vitest';
import { ApiError } from '../../api/faults.ts';
import { MAX_VERSION, Microversion, negotiate, requestedVersion, versionHeaders } from '../../api/microversion.ts';

function negotiationError(requested: string): ApiError {
  try {
    negotiate(requested);
  } catch (err) {
    if (err instanceof ApiError) return err;
    throw err;
  }
  throw new Error(`negotiate(${requested}) succeeded`);
}

describe('microversion negotiation', () => {
  it('uses 2.1 when the client asks for nothing', () => {
    expect(String(negotiate(undefined))).toBe('2.1');
  });

  it('accepts any version in range and maps latest to the maximum', () => {
    expect(String(negotiate('2.37'))).toBe('2.37');
    expect(String(negotiate('2.103'))).toBe('2.103');
    expect(String(negotiate('latest'))).toBe(String(MAX_VERSION));
  });

  it.each(['2', '2.x', 'abc', '2.01', '02.1', '2.1.1', ' ', 'compute 2.1', 'LATEST', ''])('answers 400 for malformed %j', (v) => {
    const err = negotiationError(v);
    expect(err.status).toBe(400);
    expect(err.message).toBe(`API Version String ${v} is of invalid format. Must be of format MajorNum.MinorNum.`);
  });

  it.each(['2.0', '2.104', '3.0', '1.1'])('answers 406 for %s, outside 2.1 – 2.103', (v) => {
    const err = negotiationError(v);
    expect(err.status).toBe(406);
    expect(err.message).toBe(`Version ${v} is not supported by the API. Minimum is 2.1 and maximum is 2.103.`);
    expect(err.body).toEqual({ computeFault: { code: 406, message: err.message } });
  });
});

describe('version headers', () => {
  it('reads the compute entry of OpenStack-API-Version, even in a list', () => {
    expect(requestedVersion({ 'openstack-api-version': 'compute 2.60' })).toBe('2.60');
    expect(requestedVersion({ 'openstack-api-version': 'volume 3.44, compute 2.79' })).toBe('2.79');
    expect(requestedVersion({ 'openstack-api-version': 'Compute latest' })).toBe('latest');
    expect(requestedVersion({ 'openstack-api-version': 'compute 2.1, compute 2.5' })).toBe('2.5');
  });

  it('prefers the new header over the legacy one, and falls back to the legacy one', () => {
    expect(requestedVersion({ 'openstack-api-version': 'compute 2.50', 'x-openstack-nova-api-version': '2.10' })).toBe('2.50');
    expect(requestedVersion({ 'openstack-api-version': 'volume 3.0', 'x-openstack-nova-api-version': '2.10' })).toBe('2.10');
    expect(requestedVersion({ 'x-openstack-nova-api-version': '2.10' })).toBe('2.10');
    expect(requestedVersion({})).toBeUndefined();
  });

  it('echoes the negotiated version in both headers and names both in Vary', () => {
    expect(versionHeaders(new Microversion(2, 53))).toEqual({
      'OpenStack-API-Version': 'compute 2.53',
      'X-OpenStack-Nova-API-Version': '2.53',
      Vary: 'OpenStack-API-Version, X-OpenStack-Nova-API-Version',
    });
  });

  it('compares versions numerically, not as text', () => {
    const v = new Microversion(2, 100);
    expect(v.atLeast('2.9')).toBe(true);
    expect(v.within('2.1', '2.99')).toBe(false);
    expect(v.within('2.47')).toBe(true);
  });
});
