import { describe, expect, it } from 'vitest';
import { ApiError, faultBody } from '../../api/faults.ts';

describe('fault bodies', () => {
  it.each([
    [400, 'badRequest'],
    [401, 'unauthorized'],
    [403, 'forbidden'],
    [404, 'itemNotFound'],
    [405, 'badMethod'],
    [409, 'conflictingRequest'],
    [413, 'overLimit'],
    [415, 'badMediaType'],
    [429, 'overLimit'],
    [501, 'notImplemented'],
    [503, 'serviceUnavailable'],
    [500, 'computeFault'],
    [406, 'computeFault'],
  ])('status %i is named %s', (status, name) => {
    expect(faultBody(status, 'why')).toEqual({ [name]: { code: status, message: 'why' } });
  });

  it('carries retryAfter only on over-limit faults', () => {
    expect(faultBody(429, 'slow down', 30)).toEqual({ overLimit: { code: 429, message: 'slow down', retryAfter: '30' } });
    expect(faultBody(400, 'bad', 30)).toEqual({ badRequest: { code: 400, message: 'bad' } });
  });

  it('gives every ApiError its Nova body', () => {
    const err = new ApiError(409, 'Instance abc is locked');
    expect(err.body).toEqual({ conflictingRequest: { code: 409, message: 'Instance abc is locked' } });
  });
});
