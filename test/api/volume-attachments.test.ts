import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAttachment } from '../../activities/services/volume/attachments.ts';
import { createVolume, provisionVolume } from '../../activities/services/volume/volumes.ts';
import { startTestApi, type TestApi } from '../support/api.ts';
import { tokenFor, type TestCredentials } from '../support/identity.ts';

let api: TestApi;
let member: TestCredentials;
let other: TestCredentials;
beforeAll(async () => {
  api = await startTestApi();
  member = await tokenFor(api.db.pool, { project: 'att', role: 'member' });
  other = await tokenFor(api.db.pool, { project: 'att-other', role: 'member' });
});
afterAll(() => api.stop());

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const SERVER = '11111111-2222-4333-8444-555555555555';
const CONNECTOR = { host: 'host-a', initiator: 'iqn.1993-08.org.debian:01:abc', mountpoint: '/dev/vdb' };

async function call(method: string, p: string, body?: unknown, opts: { token?: string; version?: string } = {}) {
  const headers: Record<string, string> = { 'X-Auth-Token': opts.token ?? member.token, 'OpenStack-API-Version': `volume ${opts.version ?? '3.44'}` };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(`${api.url}/volume/v3/${member.projectId}${p}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : {}) as Json };
}

async function availableVolume(opts: { multiattach?: boolean } = {}): Promise<string> {
  const volume = await createVolume(api.db.pool, { projectId: member.projectId, userId: member.userId, size: 1, multiattach: opts.multiattach });
  await provisionVolume(api.db.pool, api.dataDir, volume.id);
  return volume.id;
}

const volumeStatus = async (id: string) => (await call('GET', `/volumes/${id}`)).body.volume;

describe('attachment lifecycle', () => {
  it('reserves, connects, completes and detaches, moving the volume through its statuses', async () => {
    const volumeId = await availableVolume();
    const reserved = await call('POST', '/attachments', { attachment: { volume_uuid: volumeId, instance_uuid: SERVER } });
    expect(reserved.status).toBe(200);
    expect(reserved.body.attachment).toMatchObject({ status: 'reserved', instance: SERVER, volume_id: volumeId, attach_mode: 'rw', connection_info: null, attached_at: '' });
    const attachmentId = reserved.body.attachment.id as string;
    expect((await volumeStatus(volumeId)).status).toBe('reserved');

    const busy = await call('POST', '/attachments', { attachment: { volume_uuid: volumeId, instance_uuid: SERVER } });
    expect(busy.status).toBe(400);
    expect(busy.body.badRequest.message).toBe(`Invalid volume: Volume ${volumeId} status must be available to reserve, but the current status is reserved.`);
    const deleteReserved = await call('DELETE', `/volumes/${volumeId}`);
    expect(deleteReserved.status).toBe(400);
    expect(deleteReserved.body.badRequest.message).toMatch(/^Invalid volume: Volume status must be available or error/);

    const connected = await call('PUT', `/attachments/${attachmentId}`, { attachment: { connector: CONNECTOR } });
    expect(connected.status).toBe(200);
    expect(connected.body.attachment.status).toBe('attaching');
    expect(connected.body.attachment.connection_info).toMatchObject({
      driver_volume_type: 'file',
      data: { device_path: `${api.dataDir}/volumes/${volumeId}`, format: 'raw', volume_id: volumeId, access_mode: 'rw' },
    });
    expect((await volumeStatus(volumeId)).status).toBe('attaching');

    expect((await call('POST', `/attachments/${attachmentId}/action`, { 'os-complete': null }, { version: '3.43' })).status).toBe(404);
    expect((await call('POST', `/attachments/${attachmentId}/action`, { 'os-complete': null })).status).toBe(204);
    const inUse = await volumeStatus(volumeId);
    expect(inUse.status).toBe('in-use');
    expect(inUse.attachments).toEqual([
      expect.objectContaining({ attachment_id: attachmentId, server_id: SERVER, volume_id: volumeId, host_name: 'host-a', device: '/dev/vdb' }),
    ]);
    const shown = await call('GET', `/attachments/${attachmentId}`);
    expect(shown.body.attachment.status).toBe('attached');
    expect(shown.body.attachment.attached_at).toMatch(/^\d{4}-/);
    expect((await call('DELETE', `/volumes/${volumeId}`)).status).toBe(400);

    const detached = await call('DELETE', `/attachments/${attachmentId}`);
    expect(detached.status).toBe(200);
    expect(detached.body).toEqual({ attachments: [] });
    const after = await volumeStatus(volumeId);
    expect(after).toMatchObject({ status: 'available', attachments: [] });
    expect((await call('GET', `/attachments/${attachmentId}`)).status).toBe(404);
    expect((await call('DELETE', `/volumes/${volumeId}`)).status).toBe(202);
  });

  it('connects at once when created with a connector', async () => {
    const volumeId = await availableVolume();
    const res = await call('POST', '/attachments', { attachment: { volume_uuid: volumeId, instance_uuid: SERVER, connector: CONNECTOR } });
    expect(res.body.attachment.status).toBe('attaching');
    expect(res.body.attachment.connection_info.driver_volume_type).toBe('file');
    expect((await volumeStatus(volumeId)).status).toBe('attaching');
  });

  it('lets a multiattach volume be attached twice and stays in-use until the last detach', async () => {
    const volumeId = await availableVolume({ multiattach: true });
    const ids: string[] = [];
    for (const server of [SERVER, '99999999-2222-4333-8444-555555555555']) {
      const a = (await call('POST', '/attachments', { attachment: { volume_uuid: volumeId, instance_uuid: server, connector: CONNECTOR } })).body.attachment;
      await call('POST', `/attachments/${a.id}/action`, { 'os-complete': null });
      ids.push(a.id);
    }
    expect((await volumeStatus(volumeId)).attachments).toHaveLength(2);
    const first = await call('DELETE', `/attachments/${ids[0]}`);
    expect(first.body.attachments.map((a: Json) => a.id)).toEqual([ids[1]]);
    expect((await volumeStatus(volumeId)).status).toBe('in-use');
    await call('DELETE', `/attachments/${ids[1]}`);
    expect((await volumeStatus(volumeId)).status).toBe('available');
  });

  it('reserves a volume for one caller only when two race', async () => {
    const volumeId = await availableVolume();
    const results = await Promise.allSettled(
      Array.from({ length: 5 }, () => createAttachment(api.db.pool, api.dataDir, { volumeId, instanceUuid: SERVER })),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
  });
});

describe('attachment access', () => {
  it('is absent below microversion 3.27', async () => {
    const res = await call('GET', '/attachments', undefined, { version: '3.26' });
    expect(res.status).toBe(404);
    expect(res.body.itemNotFound.code).toBe(404);
  });

  it('lists own attachments and hides them from other projects', async () => {
    const volumeId = await availableVolume();
    const attachment = (await call('POST', '/attachments', { attachment: { volume_uuid: volumeId, instance_uuid: SERVER } })).body.attachment;
    const list = await call('GET', `/attachments?volume_id=${volumeId}`);
    expect(list.body.attachments).toEqual([{ id: attachment.id, status: 'reserved', instance: SERVER, volume_id: volumeId }]);
    const detail = await call('GET', '/attachments/detail');
    expect(detail.body.attachments.find((a: Json) => a.id === attachment.id)).toHaveProperty('connection_info');
    const stranger = { token: other.token };
    expect((await call('GET', `/attachments/${attachment.id}`, undefined, stranger)).status).toBe(404);
    expect((await call('DELETE', `/attachments/${attachment.id}`, undefined, stranger)).status).toBe(404);
    expect((await call('GET', '/attachments', undefined, stranger)).body.attachments).toEqual([]);
    const steal = await call('POST', '/attachments', { attachment: { volume_uuid: volumeId, instance_uuid: SERVER } }, stranger);
    expect(steal.status).toBe(404);
    expect(steal.body.itemNotFound.message).toBe(`Volume ${volumeId} could not be found.`);
    const bad = await call('POST', '/attachments', { attachment: { volume_uuid: 'nope', instance_uuid: SERVER } });
    expect(bad.status).toBe(400);
  });
});
