/** The image API over HTTP: discovery, create/show/list/patch/delete, Glance's errors, the first-start image. */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../support/api.ts';
import { tokenFor, type TestCredentials } from '../support/identity.ts';

let api: TestApi;
let member: TestCredentials;
let admin: TestCredentials;
beforeAll(async () => {
  api = await startTestApi();
  member = await tokenFor(api.db.pool, { project: 'img', role: 'member' });
  admin = await tokenFor(api.db.pool, { project: 'admin', role: 'admin', user: 'admin' });
});
afterAll(() => api.stop());

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const PATCH = 'application/openstack-images-v2.1-json-patch';

async function call(method: string, p: string, body?: unknown, opts: { token?: string; type?: string; raw?: string } = {}) {
  const headers: Record<string, string> = { 'X-Auth-Token': opts.token ?? member.token };
  if (body !== undefined || opts.raw !== undefined) headers['Content-Type'] = opts.type ?? 'application/json';
  const res = await fetch(`${api.url}/image${p}`, { method, headers, body: opts.raw ?? (body === undefined ? undefined : JSON.stringify(body)) });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: (text ? JSON.parse(text) : {}) as Json };
}
const patch = (id: string, ops: unknown, token?: string) => call('PATCH', `/v2/images/${id}`, ops, { type: PATCH, token });
const create = async (body: Json, token?: string) => {
  const res = await call('POST', '/v2/images', body, { token });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
};

describe('discovery', () => {
  it('lists the v2 versions at the root (300), CURRENT first, all pointing at /image/v2/', async () => {
    const root = await fetch(`${api.url}/image/`);
    expect(root.status).toBe(300);
    const { versions } = (await root.json()) as Json;
    expect(versions[0]).toEqual({ id: 'v2.17', status: 'CURRENT', links: [{ rel: 'self', href: 'http://nova.test:8774/image/v2/' }] });
    expect(versions.slice(1).every((v: Json) => v.status === 'SUPPORTED' && v.id.startsWith('v2.'))).toBe(true);
    expect(versions.map((v: Json) => v.id)).toContain('v2.0');
  });

  it('answers the same list at /versions, /v2 and /v2/ without a token', async () => {
    for (const p of ['/image/versions', '/image/v2', '/image/v2/']) {
      const res = await fetch(`${api.url}${p}`);
      expect(res.status, p).toBe(200);
      expect(((await res.json()) as Json).versions[0].id).toBe('v2.17');
    }
  });

  it('needs a token for everything else', async () => {
    const res = await fetch(`${api.url}/image/v2/images`);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Keystone uri="http://nova.test:8774/identity"');
  });

  it('answers unknown paths 404 and wrong methods 405 in Glance’s form', async () => {
    const missing = await call('GET', '/v2/nothing-here');
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ code: '404 Not Found', title: 'Not Found', message: 'The resource could not be found.' });
    const wrong = await call('PUT', '/v2/images', {});
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('GET, POST');
  });

  it('serves the image schema', async () => {
    const res = await call('GET', '/v2/schemas/image');
    expect(res.status).toBe(200);
    expect(res.body.name).toBe('image');
    expect(res.body.additionalProperties).toEqual({ type: 'string' });
    expect(res.body.properties.visibility.enum).toEqual(['community', 'public', 'private', 'shared']);
  });
});

describe('the first-start image', () => {
  it('is a public, active qcow2 named cirros owned by the admin project, with checksums of its bytes', async () => {
    const list = await call('GET', '/v2/images?name=cirros');
    expect(list.body.images).toHaveLength(1);
    const cirros = list.body.images[0];
    expect(cirros).toMatchObject({ name: 'cirros', status: 'active', visibility: 'public', disk_format: 'qcow2', container_format: 'bare' });
    expect(cirros.owner).toBe(admin.projectId);
    const data = await fetch(`${api.url}/image/v2/images/${cirros.id}/file`, { headers: { 'X-Auth-Token': member.token } });
    expect(data.status).toBe(200);
    const bytes = Buffer.from(await data.arrayBuffer());
    expect(bytes.subarray(0, 4).toString('latin1')).toBe('QFI\xfb');
    expect(cirros.size).toBe(bytes.length);
    expect(cirros.virtual_size).toBe(Number(bytes.readBigUInt64BE(24)));
    expect(cirros.checksum).toBe(createHash('md5').update(bytes).digest('hex'));
    expect(cirros.os_hash_algo).toBe('sha512');
    expect(cirros.os_hash_value).toBe(createHash('sha512').update(bytes).digest('hex'));
  });
});

describe('create and show', () => {
  it('registers a queued image with Glance’s fields, custom properties flat, and a Location', async () => {
    const res = await call('POST', '/v2/images', {
      name: 'first',
      disk_format: 'qcow2',
      container_format: 'bare',
      min_ram: 512,
      tags: ['a', 'b', 'a'],
      hw_disk_bus: 'scsi',
      'owner_specified.openstack.md5': '',
    });
    expect(res.status).toBe(201);
    const image = res.body;
    expect(res.headers.get('location')).toBe(`http://nova.test:8774/image/v2/images/${image.id}`);
    expect(image).toMatchObject({
      name: 'first',
      status: 'queued',
      visibility: 'shared',
      protected: false,
      os_hidden: false,
      owner: member.projectId,
      disk_format: 'qcow2',
      container_format: 'bare',
      min_ram: 512,
      min_disk: 0,
      size: null,
      virtual_size: null,
      checksum: null,
      os_hash_algo: null,
      os_hash_value: null,
      hw_disk_bus: 'scsi',
      'owner_specified.openstack.md5': '',
      self: `/v2/images/${image.id}`,
      file: `/v2/images/${image.id}/file`,
      schema: '/v2/schemas/image',
    });
    expect([...image.tags].sort()).toEqual(['a', 'b']);
    expect(image.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const shown = await call('GET', `/v2/images/${image.id}`);
    expect(shown.status).toBe(200);
    expect(shown.body).toEqual(image);
  });

  it('keeps custom properties whose names JavaScript objects also use', async () => {
    const res = await call('POST', '/v2/images', undefined, { raw: '{"name": "odd", "constructor": "c", "toString": "t", "__proto__": "p"}' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ constructor: 'c', toString: 't' });
    expect(Object.hasOwn(res.body, '__proto__') && res.body['__proto__']).toBe('p');
    const listed = await call('GET', '/v2/images?constructor=c');
    expect(listed.body.images.map((i: Json) => i.id)).toEqual([res.body.id]);
  });

  it('takes the id the client gives, once', async () => {
    const id = '8e1c9f62-3b33-4bb5-9f56-3f3a0c0c7a11';
    expect((await create({ id, name: 'mine' })).id).toBe(id);
    const again = await call('POST', '/v2/images', { id, name: 'again' });
    expect(again.status).toBe(409);
    expect(again.body.message).toBe(`Image ID ${id} already exists!`);
  });

  it('refuses bad input with Glance’s statuses and wording', async () => {
    const cases: [Json | string, number, string][] = [
      [{ visibility: 'everyone' }, 400, "Provided object does not match schema 'image': 'everyone' is not one of ['community', 'public', 'private', 'shared']"],
      [{ disk_format: 'floppy' }, 400, "'floppy' is not one of [None, 'ami'"],
      [{ protected: 'yes' }, 400, "'yes' is not of type 'boolean'"],
      [{ min_ram: 'lots' }, 400, "'lots' is not of type 'integer'"],
      [{ min_disk: 2 ** 40 }, 400, `${2 ** 40} is greater than the maximum of 2147483647`],
      [{ min_ram: 1.5 }, 400, "1.5 is not of type 'integer'"],
      [{ min_ram: -1 }, 400, "Invalid value '-1' for parameter 'min_ram': Cannot be a negative value"],
      [{ name: 'x'.repeat(256) }, 400, 'is too long'],
      [{ id: 'not-a-uuid' }, 400, "'not-a-uuid' does not match"],
      [{ hw_disk_bus: 5 }, 400, "5 is not of type 'string'"],
      [{ tags: 'x' }, 400, "'x' is not of type 'array'"],
      [{ status: 'active' }, 403, "Attribute 'status' is read-only."],
      [{ self: '/x' }, 403, "Attribute 'self' is read-only."],
      [{ checksum: 'abc' }, 403, "Attribute 'checksum' is read-only."],
      [{ os_glance_importing: 'x' }, 403, "Attribute 'os_glance_importing' is reserved."],
      [{ deleted: 'x' }, 403, "Attribute 'deleted' is reserved."],
      [{ ['k'.repeat(256)]: 'v' }, 400, 'Custom property should not be greater than 255 characters.'],
      [[], 400, "[] is not of type 'object'"],
    ];
    for (const [body, status, message] of cases) {
      const res = await call('POST', '/v2/images', body);
      expect(res.status, JSON.stringify(body).slice(0, 60)).toBe(status);
      expect(res.body.message).toContain(message);
      expect(res.body.code).toBe(`${status} ${status === 400 ? 'Bad Request' : 'Forbidden'}`);
    }
    const malformed = await call('POST', '/v2/images', undefined, { raw: '{"name": ' });
    expect(malformed.status).toBe(400);
    expect(malformed.body.message).toBe('Malformed JSON in request body.');
    const tooMany = await call('POST', '/v2/images', { tags: Array.from({ length: 129 }, (_, i) => `t${i}`) });
    expect(tooMany.status).toBe(413);
    expect(tooMany.body.message).toContain('Attempted: 129, Maximum: 128');
  });

  it('leaves public images to admins and other owners to nobody else', async () => {
    const pub = await call('POST', '/v2/images', { name: 'pub', visibility: 'public' });
    expect(pub.status).toBe(403);
    expect(pub.body.message).toBe('You are not authorized to complete publicize_image action.');
    const foreign = await call('POST', '/v2/images', { name: 'foreign', owner: 'someone-else' });
    expect(foreign.status).toBe(403);
    expect(foreign.body.message).toBe("You are not permitted to create images owned by 'someone-else'");
    const reader = await tokenFor(api.db.pool, { project: 'img', role: 'reader' });
    const byReader = await call('POST', '/v2/images', { name: 'r' }, { token: reader.token });
    expect(byReader.status).toBe(403);
    expect(byReader.body.message).toBe('You are not authorized to complete add_image action.');
    const adminPublic = await call('POST', '/v2/images', { name: 'pub', visibility: 'public', owner: member.projectId }, { token: admin.token });
    expect(adminPublic.status).toBe(201);
    expect(adminPublic.body).toMatchObject({ visibility: 'public', owner: member.projectId });
  });

  it('answers 404 for ids that are not there or not UUIDs', async () => {
    const res = await call('GET', '/v2/images/cirros');
    expect(res.status).toBe(404);
    expect(res.body.message).toBe('No image found with ID cirros');
    expect((await call('GET', '/v2/images/00000000-0000-4000-8000-000000000000')).status).toBe(404);
  });
});

describe('update with JSON patch', () => {
  it('changes names, visibility, tags and custom properties, and says so in the answer', async () => {
    const image = await create({ name: 'patchme', kernel_id: 'k1', gone: 'soon' });
    const res = await patch(image.id, [
      { op: 'replace', path: '/name', value: 'patched' },
      { op: 'replace', path: '/visibility', value: 'private' },
      { op: 'add', path: '/min_disk', value: 2 },
      { op: 'add', path: '/tags', value: ['x', 'y'] },
      { op: 'add', path: '/hw_disk_bus', value: 'virtio' },
      { op: 'replace', path: '/kernel_id', value: 'k2' },
      { op: 'remove', path: '/gone' },
      { op: 'add', path: '/a~1b~0c', value: 'escaped' },
    ]);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ name: 'patched', visibility: 'private', min_disk: 2, hw_disk_bus: 'virtio', kernel_id: 'k2', 'a/b~c': 'escaped' });
    expect(res.body.gone).toBeUndefined();
    expect([...res.body.tags].sort()).toEqual(['x', 'y']);
    expect(Date.parse(res.body.updated_at)).toBeGreaterThanOrEqual(Date.parse(image.updated_at));
    expect((await call('GET', `/v2/images/${image.id}`)).body).toEqual(res.body);
  });

  it('applies all or nothing and refuses what Glance refuses', async () => {
    const image = await create({ name: 'strict', kernel_id: 'k' });
    const cases: [unknown, number, string][] = [
      [[{ op: 'replace', path: '/status', value: 'active' }], 403, "Attribute 'status' is read-only."],
      [[{ op: 'replace', path: '/id', value: image.id }], 403, "Attribute 'id' is read-only."],
      [[{ op: 'remove', path: '/name' }], 403, 'Property name may not be removed.'],
      [[{ op: 'replace', path: '/nothing', value: 'x' }], 409, 'Property nothing does not exist.'],
      [[{ op: 'remove', path: '/nothing' }], 409, 'Property nothing does not exist.'],
      [[{ op: 'replace', path: '/owner', value: 'x' }], 403, "Owner can't be updated by non admin."],
      [[{ op: 'replace', path: '/visibility', value: 'public' }], 403, 'You are not authorized to complete publicize_image action.'],
      [[{ op: 'move', from: '/name', path: '/x' }], 400, 'Invalid operation: `move`. It must be one of the following: add, remove, replace.'],
      [[{ path: '/name', value: 'x' }], 400, 'Unable to find `op` in JSON Schema change.'],
      [[{ op: 'add', path: '/tags/0', value: 'x' }], 400, "Invalid JSON pointer for this resource: '/tags/0'"],
      [[{ op: 'add', path: 'name', value: 'x' }], 400, 'Pointer `name` does not start with "/".'],
      [[{ op: 'add', path: '/name' }], 400, 'Operation "add" requires a member named "value".'],
      [[{ op: 'add', path: '/min_ram', value: 'big' }], 400, "'big' is not of type 'integer'"],
      [[{ op: 'add', path: '/custom', value: 1 }], 400, "1 is not of type 'string'"],
      [{ op: 'add' }, 400, 'Request body must be a JSON array of operation objects.'],
      [['x'], 400, 'Operations must be JSON objects.'],
      [[{ op: 'replace', path: '/name', value: 'half' }, { op: 'replace', path: '/missing', value: 'x' }], 409, 'Property missing does not exist.'],
    ];
    for (const [ops, status, message] of cases) {
      const res = await patch(image.id, ops);
      expect(res.status, JSON.stringify(ops)).toBe(status);
      expect(res.body.message).toContain(message);
    }
    expect((await call('GET', `/v2/images/${image.id}`)).body).toMatchObject({ name: 'strict', kernel_id: 'k' });
  });

  it('needs the JSON-patch media type, and also takes the older 2.0 dialect', async () => {
    const image = await create({ name: 'typed' });
    const plain = await call('PATCH', `/v2/images/${image.id}`, [{ op: 'replace', path: '/name', value: 'x' }]);
    expect(plain.status).toBe(415);
    expect(plain.headers.get('accept-patch')).toBe('application/openstack-images-v2.0-json-patch, application/openstack-images-v2.1-json-patch');
    const old = await call('PATCH', `/v2/images/${image.id}`, [{ replace: '/name', value: 'old-style' }], {
      type: 'application/openstack-images-v2.0-json-patch',
    });
    expect(old.status).toBe(200);
    expect(old.body.name).toBe('old-style');
  });

  it('lets only admins hand an image to another project', async () => {
    const image = await create({ name: 'handover' });
    const res = await patch(image.id, [{ op: 'replace', path: '/owner', value: 'new-owner' }], admin.token);
    expect(res.status).toBe(200);
    expect(res.body.owner).toBe('new-owner');
    expect((await call('GET', `/v2/images/${image.id}`)).status).toBe(404);
  });
});

describe('tags and delete', () => {
  it('adds and removes single tags', async () => {
    const image = await create({ name: 'tagged' });
    expect((await call('PUT', `/v2/images/${image.id}/tags/blue`)).status).toBe(204);
    expect((await call('PUT', `/v2/images/${image.id}/tags/blue`)).status).toBe(204);
    expect((await call('GET', `/v2/images/${image.id}`)).body.tags).toEqual(['blue']);
    expect((await call('DELETE', `/v2/images/${image.id}/tags/blue`)).status).toBe(204);
    expect((await call('DELETE', `/v2/images/${image.id}/tags/blue`)).status).toBe(404);
    expect((await call('GET', `/v2/images/${image.id}`)).body.tags).toEqual([]);
  });

  it('deletes (204, then gone), but not protected images', async () => {
    const image = await create({ name: 'doomed' });
    expect((await call('DELETE', `/v2/images/${image.id}`)).status).toBe(204);
    expect((await call('GET', `/v2/images/${image.id}`)).status).toBe(404);
    const again = await call('DELETE', `/v2/images/${image.id}`);
    expect(again.status).toBe(404);
    expect(again.body.message).toBe(`Failed to find image ${image.id} to delete`);
    const reuse = await call('POST', '/v2/images', { id: image.id });
    expect(reuse.status).toBe(409);

    const kept = await create({ name: 'kept', protected: true });
    const refused = await call('DELETE', `/v2/images/${kept.id}`);
    expect(refused.status).toBe(403);
    expect(refused.body.message).toBe(`Image ${kept.id} is protected and cannot be deleted.`);
    expect((await patch(kept.id, [{ op: 'replace', path: '/protected', value: false }])).status).toBe(200);
    expect((await call('DELETE', `/v2/images/${kept.id}`)).status).toBe(204);
  });
});
