import { describe, expect, it } from 'vitest';
import { negotiateVolumeVersion } from '../../api/volume/microversion.ts';
import type { ApiError } from '../../api/faults.ts';

const failure = (header: string) => {
  try {
    negotiateVolumeVersion(header);
  } catch (err) {
    return err as ApiError;
  }
  throw new Error(`${header} was accepted`);
};

describe('volume microversions', () => {
  it('defaults to 3.0, takes latest as 3.70, and reads only the volume entry', () => {
    expect(String(negotiateVolumeVersion(undefined))).toBe('3.0');
    expect(String(negotiateVolumeVersion('volume latest'))).toBe('3.70');
    expect(String(negotiateVolumeVersion('compute 2.90, volume 3.44'))).toBe('3.44');
    expect(String(negotiateVolumeVersion('compute 2.90'))).toBe('3.0');
  });

  it('refuses malformed versions with 400 and versions out of range with 406', () => {
    expect(failure('volume 3.x')).toMatchObject({ status: 400, message: 'API Version String 3.x is of invalid format. Must be of format MajorNum.MinorNum.' });
    expect(failure('volume 3.71')).toMatchObject({ status: 406, message: 'Version 3.71 is not supported by the API. Minimum is 3.0 and maximum is 3.70.' });
    expect(failure('volume 2.0')).toMatchObject({ status: 406 });
  });
});
