/** Image JSON-patch: parsing Glance's two dialects and applying changes to an image's fields. */
import { describe, expect, it } from 'vitest';
import type { ImageFields } from '../../activities/services/image/records.ts';
import { applyPatch, decodePointer, parsePatch, type PatchContext } from '../../api/image/patch.ts';
import { ApiError } from '../../api/faults.ts';

const fields = (): ImageFields => ({
  name: 'img',
  visibility: 'private',
  protected: false,
  os_hidden: false,
  owner: 'p1',
  disk_format: 'raw',
  container_format: 'bare',
  min_disk: 0,
  min_ram: 0,
  properties: { kernel_id: 'k' },
  tags: ['a'],
});

const ctx = (over: Partial<PatchContext> = {}): PatchContext => ({ isAdmin: false, status: 'queued', draft: 10, authorize: () => undefined, ...over });

function failure(fn: () => unknown): { status: number; message: string } {
  try {
    fn();
  } catch (err) {
    if (err instanceof ApiError) return { status: err.status, message: err.message };
    throw err;
  }
  throw new Error('expected a failure');
}

describe('JSON pointers', () => {
  it('decodes ~1 and ~0 and rejects malformed pointers with Glance’s words', () => {
    expect(decodePointer('/a~1b~0c')).toEqual(['a/b~c']);
    expect(decodePointer('/locations/0')).toEqual(['locations', '0']);
    expect(failure(() => decodePointer('name')).message).toBe('Pointer `name` does not start with "/".');
    expect(failure(() => decodePointer('/a//b')).message).toBe('Pointer `/a//b` contains adjacent "/".');
    expect(failure(() => decodePointer('/a/')).message).toBe('Pointer `/a/` end with "/".');
    expect(failure(() => decodePointer('/a~2')).message).toBe('Pointer `/a~2` contains "~" not part of a recognized escape sequence.');
  });
});

describe('parsing a patch', () => {
  it('reads both dialects into the same changes', () => {
    const d10 = parsePatch([{ op: 'replace', path: '/name', value: 'x' }, { op: 'remove', path: '/kernel_id' }], 10);
    const d4 = parsePatch([{ replace: '/name', value: 'x' }, { remove: '/kernel_id' }], 4);
    expect(d10).toEqual([{ op: 'replace', path: ['name'], value: 'x' }, { op: 'remove', path: ['kernel_id'] }]);
    expect(d4).toEqual(d10);
    expect(failure(() => parsePatch([{ replace: '/name', add: '/x', value: 1 }], 4)).message).toBe(
      'Operation objects must contain only one member named "add", "remove", or "replace".',
    );
  });

  it('refuses read-only and reserved attributes (403) and wrongly typed values (400)', () => {
    expect(failure(() => parsePatch([{ op: 'replace', path: '/checksum', value: 'x' }], 10))).toEqual({ status: 403, message: "Attribute 'checksum' is read-only." });
    expect(failure(() => parsePatch([{ op: 'add', path: '/os_glance_x', value: 'x' }], 10))).toEqual({ status: 403, message: "Attribute 'os_glance_x' is reserved." });
    expect(failure(() => parsePatch([{ op: 'add', path: '/protected', value: 'yes' }], 10)).status).toBe(400);
    expect(failure(() => parsePatch([{ op: 'add', path: '/visibility', value: 'open' }], 10)).message).toContain("'open' is not one of");
  });
});

describe('applying a patch', () => {
  it('sets base fields and custom properties, removes custom ones, and leaves the input alone', () => {
    const before = fields();
    const after = applyPatch(
      before,
      parsePatch(
        [
          { op: 'add', path: '/tags', value: ['b', 'b', 'c'] },
          { op: 'replace', path: '/min_ram', value: 256 },
          { op: 'add', path: '/hw_disk_bus', value: 'virtio' },
          { op: 'remove', path: '/kernel_id' },
        ],
        10,
      ),
      ctx(),
    );
    expect(after).toMatchObject({ tags: ['b', 'c'], min_ram: 256, properties: { hw_disk_bus: 'virtio' } });
    expect(before).toEqual(fields());
  });

  it('asks for authorization of every change, visibility with its value', () => {
    const asked: [string, unknown][] = [];
    applyPatch(fields(), parsePatch([{ op: 'replace', path: '/visibility', value: 'community' }, { op: 'add', path: '/x', value: 'y' }], 10), ctx({
      authorize: (attribute, value) => void asked.push([attribute, value]),
    }));
    expect(asked).toEqual([['visibility', 'community'], ['x', 'y']]);
  });

  it('keeps formats of images past queued, owner to admins, and draft 4 adds to new attributes', () => {
    const change = parsePatch([{ op: 'replace', path: '/disk_format', value: 'qcow2' }], 10);
    expect(failure(() => applyPatch(fields(), change, ctx({ status: 'active' }))).message).toBe('Attribute disk_format can be only replaced for a queued image.');
    expect(applyPatch(fields(), change, ctx()).disk_format).toBe('qcow2');
    const owner = parsePatch([{ op: 'replace', path: '/owner', value: 'p2' }], 10);
    expect(failure(() => applyPatch(fields(), owner, ctx())).message).toBe("Owner can't be updated by non admin.");
    expect(applyPatch(fields(), owner, ctx({ isAdmin: true })).owner).toBe('p2');
    const add = parsePatch([{ add: '/kernel_id', value: 'k2' }], 4);
    expect(failure(() => applyPatch(fields(), add, ctx({ draft: 4 })))).toEqual({ status: 409, message: 'Property kernel_id already present.' });
    expect(applyPatch(fields(), parsePatch([{ op: 'add', path: '/kernel_id', value: 'k2' }], 10), ctx()).properties.kernel_id).toBe('k2');
  });

  it('refuses locations, which this service does not show', () => {
    expect(failure(() => applyPatch(fields(), parsePatch([{ op: 'add', path: '/locations/-', value: { url: 'x', metadata: {} } }], 10), ctx()))).toEqual({
      status: 403,
      message: "It's not allowed to add locations if locations are invisible.",
    });
  });

  it('stores a property named __proto__ like any other', () => {
    const after = applyPatch(fields(), parsePatch([{ op: 'add', path: '/__proto__', value: 'odd' }], 10), ctx());
    expect(Object.hasOwn(after.properties, '__proto__')).toBe(true);
    expect(JSON.parse(JSON.stringify(after.properties))).toEqual({ kernel_id: 'k', ['__proto__']: 'odd' });
  });
});
