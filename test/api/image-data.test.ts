/** Image data over HTTP: streamed upload with checksums, byte-identical download, format checks, status rules. */
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emptyQcow2 } from '../../activities/services/image/disk-format.ts';
import { startTestApi, type TestApi } from '../support/api.ts';
import { tokenFor, type TestCredentials } from '../support/identity.ts';

let api: TestApi;
let owner: TestCredentials;
let other: TestCredentials;
let admin: TestCredentials;
beforeAll(async () => {
  api = await startTestApi();
  owner = await tokenFor(api.db.pool, { project: 'data', role: 'member' });
  other = await tokenFor(api.db.pool, { project: 'data-other', role: 'member' });
  admin = await tokenFor(api.db.pool, { project: 'admin', role: 'admin', user: 'admin' });
});
afterAll(() => api.stop());

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');
const sha512 = (b: Buffer) => createHash('sha512').update(b).digest('hex');

async function call(method: string, p: string, body?: unknown, token = owner.token) {
  const headers: Record<string, string> = { 'X-Auth-Token': token };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(`${api.url}/image${p}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : {}) as Json };
}
async function create(body: Json, token = owner.token): Promise<Json> {
  const res = await call('POST', '/v2/images', body, token);
  expect(res.status).toBe(201);
  return res.body;
}
async function upload(id: string, data: Buffer, opts: { token?: string; type?: string } = {}) {
  const res = await fetch(`${api.url}/image/v2/images/${id}/file`, {
    method: 'PUT',
    headers: { 'X-Auth-Token': opts.token ?? owner.token, 'Content-Type': opts.type ?? 'application/octet-stream' },
    body: data,
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : {}) as Json };
}
async function download(id: string, token = owner.token) {
  const res = await fetch(`${api.url}/image/v2/images/${id}/file`, { headers: { 'X-Auth-Token': token } });
  return { status: res.status, headers: res.headers, bytes: Buffer.from(await res.arrayBuffer()) };
}
const show = async (id: string, token = owner.token) => (await call('GET', `/v2/images/${id}`, undefined, token)).body;

describe('upload and download', () => {
  it('stores the bytes, computes size and checksums, goes active, and gives the same bytes back', async () => {
    const data = randomBytes(3 * 1024 * 1024 + 17);
    const image = await create({ name: 'blob', disk_format: 'raw', container_format: 'bare' });
    expect((await download(image.id)).status).toBe(204);
    expect((await upload(image.id, data)).status).toBe(204);
    const after = await show(image.id);
    expect(after).toMatchObject({
      status: 'active',
      size: data.length,
      virtual_size: data.length,
      checksum: md5(data),
      os_hash_algo: 'sha512',
      os_hash_value: sha512(data),
    });
    const got = await download(image.id);
    expect(got.status).toBe(200);
    expect(got.headers.get('content-type')).toBe('application/octet-stream');
    expect(got.headers.get('content-md5')).toBe(md5(data));
    expect(Number(got.headers.get('content-length'))).toBe(data.length);
    expect(got.bytes.equals(data)).toBe(true);
    expect((await fs.readFile(path.join(api.dataDir, 'images', image.id))).equals(data)).toBe(true);
    expect((await fs.readdir(path.join(api.dataDir, 'images'))).filter((f) => f.includes('.part'))).toEqual([]);
  });

  it('refuses a second upload to an active image (409) and keeps the first bytes', async () => {
    const image = await create({ name: 'once', disk_format: 'raw', container_format: 'bare' });
    const first = Buffer.from('first bytes');
    expect((await upload(image.id, first)).status).toBe(204);
    const second = await upload(image.id, Buffer.from('second'));
    expect(second.status).toBe(409);
    expect(second.body).toEqual({ code: '409 Conflict', title: 'Conflict', message: 'Image status transition from active to saving is not allowed' });
    expect((await download(image.id)).bytes.equals(first)).toBe(true);
  });

  it('records a qcow2 image’s virtual size from its header', async () => {
    const data = emptyQcow2(32 * 1024 * 1024);
    const image = await create({ name: 'disk', disk_format: 'qcow2', container_format: 'bare' });
    expect((await upload(image.id, data)).status).toBe(204);
    expect(await show(image.id)).toMatchObject({ status: 'active', size: data.length, virtual_size: 32 * 1024 * 1024, checksum: md5(data) });
  });

  it('refuses data that is not what disk_format says, or unsafe, and lets the client try again', async () => {
    const image = await create({ name: 'liar', disk_format: 'qcow2', container_format: 'bare' });
    const raw = await upload(image.id, Buffer.from('just some raw bytes'));
    expect(raw.status).toBe(400);
    expect(raw.body.message).toBe('Image disk_format qcow2 does not match stream data raw');
    expect(await show(image.id)).toMatchObject({ status: 'queued', size: null, checksum: null });

    const backed = emptyQcow2(1024 * 1024);
    backed.writeBigUInt64BE(512n, 8); // a backing file name at offset 512
    const unsafe = await upload(image.id, backed);
    expect(unsafe.status).toBe(400);
    expect(unsafe.body.message).toBe('Image failed safety checks');

    const vmdkClaim = await create({ name: 'claims-vmdk', disk_format: 'vmdk', container_format: 'bare' });
    expect((await upload(vmdkClaim.id, emptyQcow2(1024 * 1024))).body.message).toBe('Image disk_format vmdk does not match stream data qcow2');

    expect((await upload(image.id, emptyQcow2(1024 * 1024))).status).toBe(204);
    expect((await show(image.id)).status).toBe('active');
    expect((await fs.readdir(path.join(api.dataDir, 'images'))).filter((f) => f.includes('.part'))).toEqual([]);
  });

  it('needs disk and container formats first, and the octet-stream media type', async () => {
    const image = await create({ name: 'formless' });
    const res = await upload(image.id, Buffer.from('x'));
    expect(res.status).toBe(400);
    expect(res.body.message).toBe('Properties disk_format, container_format must be set prior to saving data.');
    const typed = await upload(image.id, Buffer.from('x'), { type: 'application/json' });
    expect(typed.status).toBe(415);
    expect(typed.body.message).toBe('Invalid content type application/json');
    expect((await show(image.id)).status).toBe('queued');
  });

  it('answers 409 to an upload while another is still streaming', async () => {
    const image = await create({ name: 'busy', disk_format: 'raw', container_format: 'bare' });
    const url = new URL(`${api.url}/image/v2/images/${image.id}/file`);
    const slow = http.request(url, { method: 'PUT', headers: { 'X-Auth-Token': owner.token, 'Content-Type': 'application/octet-stream' } });
    const done = new Promise<number>((resolve, reject) => {
      slow.on('response', (res) => {
        res.resume();
        resolve(res.statusCode!);
      });
      slow.on('error', reject);
    });
    const part1 = randomBytes(64 * 1024);
    slow.write(part1);
    for (let i = 0; i < 100 && (await show(image.id)).status !== 'saving'; i++) await new Promise((r) => setTimeout(r, 20));
    expect((await show(image.id)).status).toBe('saving');
    const second = await upload(image.id, Buffer.from('intruder'));
    expect(second.status).toBe(409);
    expect(second.body.message).toBe('Image status transition from saving to saving is not allowed');
    const part2 = randomBytes(1000);
    slow.end(part2);
    expect(await done).toBe(204);
    expect((await download(image.id)).bytes.equals(Buffer.concat([part1, part2]))).toBe(true);
  });

  it('puts an image whose upload broke off back to queued, with no file left', async () => {
    const image = await create({ name: 'broken', disk_format: 'raw', container_format: 'bare' });
    const url = new URL(`${api.url}/image/v2/images/${image.id}/file`);
    const req = http.request(url, { method: 'PUT', headers: { 'X-Auth-Token': owner.token, 'Content-Type': 'application/octet-stream' } });
    req.on('error', () => undefined);
    req.write(randomBytes(32 * 1024));
    for (let i = 0; i < 100 && (await show(image.id)).status !== 'saving'; i++) await new Promise((r) => setTimeout(r, 20));
    req.destroy();
    let status = 'saving';
    for (let i = 0; i < 100 && status === 'saving'; i++) {
      await new Promise((r) => setTimeout(r, 20));
      status = (await show(image.id)).status;
    }
    expect(status).toBe('queued');
    const files = await fs.readdir(path.join(api.dataDir, 'images'));
    expect(files.filter((f) => f.startsWith(image.id))).toEqual([]);
  });
});

describe('who may move data', () => {
  it('lets another project download a public image but not upload to one', async () => {
    const data = Buffer.from('public bytes');
    const image = await create({ name: 'shared-data', visibility: 'public', disk_format: 'raw', container_format: 'bare', owner: owner.projectId }, admin.token);
    const refused = await upload(image.id, data, { token: other.token });
    expect(refused.status).toBe(403);
    expect(refused.body.message).toBe('You are not authorized to complete upload_image action.');
    expect((await upload(image.id, data)).status).toBe(204);
    const got = await download(image.id, other.token);
    expect(got.status).toBe(200);
    expect(got.bytes.equals(data)).toBe(true);
  });

  it('keeps the data of a deactivated image from everyone but admins until it is reactivated', async () => {
    const data = Buffer.from('sleeping');
    const image = await create({ name: 'sleepy', disk_format: 'raw', container_format: 'bare' });
    expect((await upload(image.id, data)).status).toBe(204);
    expect((await call('POST', `/v2/images/${image.id}/actions/deactivate`)).status).toBe(204);
    expect((await show(image.id)).status).toBe('deactivated');
    const refused = await download(image.id);
    expect(refused.status).toBe(403);
    expect((await download(image.id, admin.token)).bytes.equals(data)).toBe(true);
    expect((await call('POST', `/v2/images/${image.id}/actions/reactivate`)).status).toBe(204);
    expect((await download(image.id)).bytes.equals(data)).toBe(true);
    const queued = await create({ name: 'not-yet' });
    const early = await call('POST', `/v2/images/${queued.id}/actions/deactivate`);
    expect(early.status).toBe(403);
    expect(early.body.message).toBe("Not allowed to deactivate image in status 'queued'");
  });

  it('removes the file when the image is deleted', async () => {
    const image = await create({ name: 'temporary', disk_format: 'raw', container_format: 'bare' });
    expect((await upload(image.id, Buffer.from('bye'))).status).toBe(204);
    const file = path.join(api.dataDir, 'images', image.id);
    await fs.access(file);
    expect((await call('DELETE', `/v2/images/${image.id}`)).status).toBe(204);
    await expect(fs.access(file)).rejects.toThrow();
    expect((await download(image.id)).status).toBe(404);
  });
});
