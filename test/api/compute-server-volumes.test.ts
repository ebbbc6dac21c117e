/** block_device_mapping_v2: servers booted from volumes and with extra volumes, built and deleted by the workflows. */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createdVolumeId } from '../../activities/control/volumes.ts';
import { tokenFor, type TestCredentials } from '../support/identity.ts';
import { startTestStack, type TestStack } from '../support/stack.ts';
import { computeClient } from '../support/compute-client.ts';

let stack: TestStack;
let member: TestCredentials;
let other: TestCredentials;
let admin: string;
let image: string;

beforeAll(async () => {
  stack = await startTestStack({ hosts: 2 });
  member = await tokenFor(stack.db.pool, { project: 'vols', role: 'member' });
  other = await tokenFor(stack.db.pool, { project: 'vols-other', role: 'member' });
  admin = (await tokenFor(stack.db.pool, { project: 'ops', role: 'admin' })).token;
  image = (await stack.db.pool.query(`SELECT id::text FROM images WHERE name = 'cirros'`)).rows[0].id;
});
afterAll(() => stack.stop());

const call = computeClient(() => stack.url);
type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

async function volumeApi(method: string, p: string, body?: unknown, who: TestCredentials = member) {
  const res = await fetch(`${stack.url}/volume/v3/${who.projectId}${p}`, {
    method,
    headers: { 'X-Auth-Token': who.token, 'OpenStack-API-Version': 'volume 3.44', ...(body ? { 'Content-Type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : {}) as Json };
}

async function newVolume(name: string, extra: Record<string, unknown> = {}): Promise<string> {
  const created = await volumeApi('POST', '/volumes', { volume: { name, size: 1, ...extra } });
  expect(created.status).toBe(202);
  for (let i = 0; i < 100; i++) {
    const v = await volumeApi('GET', `/volumes/${created.body.volume.id}`);
    if (v.body.volume.status === 'available') return created.body.volume.id;
    await sleep(50);
  }
  throw new Error('volume never became available');
}

async function waitForStatus(id: string, wanted: string) {
  for (let i = 0; i < 200; i++) {
    const res = await call(member.token, 'GET', `/servers/${id}`, undefined, '2.3');
    if (res.status === 404 && wanted === 'gone') return res;
    if (res.body?.server?.status === wanted) return res;
    await sleep(100);
  }
  throw new Error(`server ${id} never reached ${wanted}`);
}

const create = (server: Record<string, unknown>, token = member.token) =>
  call(token, 'POST', '/servers', { server: { name: 'bfv', flavorRef: '1', networks: 'none', ...server } }, '2.37');

const claimed = async (uuid: string) =>
  (await stack.db.pool.query<{ n: number; disk: number }>(`SELECT count(*)::int AS n, COALESCE(sum(disk_gb), 0)::int AS disk FROM allocations WHERE consumer_id = $1`, [uuid])).rows[0]!;

describe('boot from volume', () => {
  it('boots from an existing volume, shows no image, attaches it and gives it back on delete', async () => {
    const root = await newVolume('root-disk');
    const created = await create({ imageRef: '', block_device_mapping_v2: [{ source_type: 'volume', destination_type: 'volume', uuid: root, boot_index: 0 }] });
    expect(created.status).toBe(202);
    const id = created.body.server.id;
    const server = (await waitForStatus(id, 'ACTIVE')).body.server;
    expect(server.image).toBe('');
    expect(server['os-extended-volumes:volumes_attached']).toEqual([{ id: root, delete_on_termination: false }]);
    const volume = (await volumeApi('GET', `/volumes/${root}`)).body.volume;
    expect(volume.status).toBe('in-use');
    expect(volume.attachments).toEqual([expect.objectContaining({ server_id: id, device: '/dev/vda' })]);
    expect(await claimed(id)).toEqual({ n: 1, disk: 0 }); // m1.tiny's 1 GB root disk is the volume, not the host's

    const gone = await call(member.token, 'DELETE', `/servers/${id}`);
    expect(gone.status).toBe(204);
    await waitForStatus(id, 'gone');
    const after = (await volumeApi('GET', `/volumes/${root}`)).body.volume;
    expect(after).toMatchObject({ status: 'available', attachments: [] });
    expect(await claimed(id)).toEqual({ n: 0, disk: 0 });
  });

  it('makes the root volume from an image, plus a blank data volume, and deletes those marked delete_on_termination', async () => {
    const created = await create({
      imageRef: image,
      block_device_mapping_v2: [
        { source_type: 'image', destination_type: 'volume', uuid: image, boot_index: 0, volume_size: 1, delete_on_termination: true },
        { source_type: 'blank', destination_type: 'volume', volume_size: 2, boot_index: -1, delete_on_termination: false },
      ],
    });
    expect(created.status).toBe(202);
    const id = created.body.server.id;
    const server = (await waitForStatus(id, 'ACTIVE')).body.server;
    const attached = server['os-extended-volumes:volumes_attached'] as { id: string; delete_on_termination: boolean }[];
    expect(attached.map((a) => a.delete_on_termination)).toEqual([true, false]);
    const [rootVol, dataVol] = await Promise.all(attached.map(async (a) => (await volumeApi('GET', `/volumes/${a.id}`)).body.volume));
    expect(rootVol).toMatchObject({ size: 1, bootable: 'true', status: 'in-use' });
    expect(dataVol).toMatchObject({ size: 2, bootable: 'false', status: 'in-use' });
    expect(dataVol.attachments[0]).toMatchObject({ server_id: id, device: '/dev/vdb' });

    await call(member.token, 'DELETE', `/servers/${id}`);
    await waitForStatus(id, 'gone');
    expect((await volumeApi('GET', `/volumes/${rootVol.id}`)).status).toBe(404);
    expect((await volumeApi('GET', `/volumes/${dataVol.id}`)).body.volume).toMatchObject({ status: 'available', attachments: [] });
  });

  it('boots an image on a local disk with an extra volume', async () => {
    const data = await newVolume('data');
    const created = await create({ imageRef: image, block_device_mapping_v2: [{ source_type: 'volume', destination_type: 'volume', uuid: data }] });
    const id = created.body.server.id;
    const server = (await waitForStatus(id, 'ACTIVE')).body.server;
    expect(server.image).toMatchObject({ id: image });
    expect(server['os-extended-volumes:volumes_attached']).toEqual([{ id: data, delete_on_termination: false }]);
    const shownByAdmin = (await call(admin, 'GET', `/servers/${id}`, undefined, '2.1')).body.server;
    expect(shownByAdmin['os-extended-volumes:volumes_attached']).toEqual([{ id: data }]); // no delete_on_termination before 2.3
    const host = shownByAdmin['OS-EXT-SRV-ATTR:host'] as string;
    expect(await stack.drivers.get(host)!.guestVolumes(id)).toEqual([data]);
    await call(member.token, 'DELETE', `/servers/${id}`);
    await waitForStatus(id, 'gone');
  });
});

describe('os-volume_attachments', () => {
  it('attaches a volume to a running server, lists it, and detaches it again', async () => {
    const created = await create({ imageRef: image });
    const id = created.body.server.id;
    await waitForStatus(id, 'ACTIVE');
    const vol = await newVolume('hot');
    const attach = await call(member.token, 'POST', `/servers/${id}/os-volume_attachments`, { volumeAttachment: { volumeId: vol, delete_on_termination: true } }, '2.79');
    expect(attach.status).toBe(200);
    expect(attach.body.volumeAttachment).toEqual({ id: vol, serverId: id, volumeId: vol, device: '/dev/vdb', tag: null, delete_on_termination: true });
    // Reserved at once: nobody else can take it while the workflow plugs it in.
    expect((await call(member.token, 'POST', `/servers/${id}/os-volume_attachments`, { volumeAttachment: { volumeId: vol } })).status).toBe(400);
    let listed: Json[] = [];
    for (let i = 0; i < 100 && listed.length === 0; i++) {
      listed = (await call(member.token, 'GET', `/servers/${id}/os-volume_attachments`, undefined, '2.89')).body.volumeAttachments;
      await sleep(50);
    }
    expect(listed).toEqual([expect.objectContaining({ serverId: id, volumeId: vol, device: '/dev/vdb', delete_on_termination: true, attachment_id: expect.any(String) })]);
    expect(listed[0]).not.toHaveProperty('id');
    expect((await volumeApi('GET', `/volumes/${vol}`)).body.volume).toMatchObject({ status: 'in-use' });
    const host = (await call(admin, 'GET', `/servers/${id}`)).body.server['OS-EXT-SRV-ATTR:host'] as string;
    expect(await stack.drivers.get(host)!.guestVolumes(id)).toEqual([vol]);
    const actions = (await call(member.token, 'GET', `/servers/${id}/os-instance-actions`)).body.instanceActions.map((a: Json) => a.action);
    expect(actions).toContain('attach_volume');

    expect((await call(member.token, 'DELETE', `/servers/${id}/os-volume_attachments/${vol}`)).status).toBe(202);
    // The workflow releases the attachment, then records the detach on the server: wait for the last step.
    for (let i = 0; i < 100 && (await call(member.token, 'GET', `/servers/${id}/os-volume_attachments/${vol}`)).status !== 404; i++) await sleep(50);
    expect((await volumeApi('GET', `/volumes/${vol}`)).body.volume).toMatchObject({ status: 'available', attachments: [] });
    expect(await stack.drivers.get(host)!.guestVolumes(id)).toEqual([]);
    expect((await call(member.token, 'GET', `/servers/${id}/os-volume_attachments/${vol}`)).body).toEqual({
      itemNotFound: { code: 404, message: `No volume Block Device Mapping with id ${vol}.` },
    });
    await call(member.token, 'DELETE', `/servers/${id}`);
    await waitForStatus(id, 'gone');
  });

  it('deletes a hot-attached volume marked delete_on_termination with its server, and refuses to detach a root volume', async () => {
    const root = await newVolume('root2');
    const created = await create({ imageRef: '', block_device_mapping_v2: [{ source_type: 'volume', destination_type: 'volume', uuid: root, boot_index: 0 }] });
    const id = created.body.server.id;
    await waitForStatus(id, 'ACTIVE');
    expect(await call(member.token, 'DELETE', `/servers/${id}/os-volume_attachments/${root}`)).toMatchObject({ status: 400, body: { badRequest: { message: 'Cannot detach a root device volume' } } });
    const extra = await newVolume('goes-with-server');
    await call(member.token, 'POST', `/servers/${id}/os-volume_attachments`, { volumeAttachment: { volumeId: extra, delete_on_termination: true } }, '2.79');
    for (let i = 0; i < 100 && (await volumeApi('GET', `/volumes/${extra}`)).body.volume.status !== 'in-use'; i++) await sleep(50);
    await call(member.token, 'DELETE', `/servers/${id}`);
    await waitForStatus(id, 'gone');
    expect((await volumeApi('GET', `/volumes/${extra}`)).status).toBe(404);
    expect((await volumeApi('GET', `/volumes/${root}`)).body.volume.status).toBe('available');
  });

  it('answers Nova’s errors: unknown volume 404, a field of a later version 400, another project’s server 404', async () => {
    const created = await create({ imageRef: image });
    const id = created.body.server.id;
    await waitForStatus(id, 'ACTIVE');
    const missing = '00000000-0000-4000-8000-000000000001';
    expect((await call(member.token, 'POST', `/servers/${id}/os-volume_attachments`, { volumeAttachment: { volumeId: missing } })).body).toEqual({
      itemNotFound: { code: 404, message: `Volume ${missing} could not be found.` },
    });
    const vol = await newVolume('early');
    expect((await call(member.token, 'POST', `/servers/${id}/os-volume_attachments`, { volumeAttachment: { volumeId: vol, delete_on_termination: true } }, '2.78')).status).toBe(400);
    expect((await call(other.token, 'POST', `/servers/${id}/os-volume_attachments`, { volumeAttachment: { volumeId: vol } })).status).toBe(404);
    await call(member.token, 'DELETE', `/servers/${id}`);
    await waitForStatus(id, 'gone');
  });
});

describe('a build that fails everywhere', () => {
  it('leaves no attachment behind: the user’s volume is available again and the one it made is gone', async () => {
    const flavor = await call(admin, 'POST', '/flavors', { flavor: { name: 'fails-everywhere', ram: 256, vcpus: 1, disk: 1, id: 'fails-everywhere' } });
    expect(flavor.status).toBe(200);
    await stack.db.pool.query(
      `INSERT INTO flavor_extra_specs (flavor_id, key, value) SELECT id, 'novaflow:fake_fail_spawn_on', '*' FROM flavors WHERE flavorid = 'fails-everywhere'`,
    );
    const mine = await newVolume('survivor');
    const created = await create({
      flavorRef: 'fails-everywhere',
      imageRef: image,
      block_device_mapping_v2: [
        { source_type: 'volume', destination_type: 'volume', uuid: mine, boot_index: 0, delete_on_termination: false },
        { source_type: 'blank', destination_type: 'volume', volume_size: 1, delete_on_termination: true },
      ],
    });
    const id = created.body.server.id;
    const server = (await waitForStatus(id, 'ERROR')).body.server;
    expect(server.fault.message).toMatch(/^Exceeded maximum number of retries/);
    expect((await volumeApi('GET', `/volumes/${mine}`)).body.volume).toMatchObject({ status: 'available', attachments: [] });
    // The blank volume the build made (second mapping) was marked delete_on_termination: gone with the build.
    expect((await volumeApi('GET', `/volumes/${createdVolumeId(id, 1)}`)).status).toBe(404);
    expect(await claimed(id)).toEqual({ n: 0, disk: 0 });
    const events = (await stack.db.pool.query<{ task_state: string }>(
      `SELECT payload->>'task_state' AS task_state FROM instance_events WHERE instance_uuid = $1 AND type = 'state' ORDER BY seq`, [id],
    )).rows.map((r) => r.task_state);
    expect(events).toContain('block_device_mapping');
  });
});

describe('bad block device mappings', () => {
  const expect400 = async (server: Record<string, unknown>, message: string | RegExp, token = member.token) => {
    const res = await create(server, token);
    expect(res.status).toBe(400);
    expect(res.body.badRequest.message).toMatch(message);
  };

  it('refuses volumes that are missing, another project’s or in use', async () => {
    const missing = '00000000-0000-4000-8000-000000000000';
    await expect400({ block_device_mapping_v2: [{ source_type: 'volume', destination_type: 'volume', uuid: missing, boot_index: 0 }] }, `Block Device Mapping is Invalid: failed to get volume ${missing}.`);
    const theirs = await (async () => {
      const created = await volumeApi('POST', '/volumes', { volume: { size: 1 } }, other);
      return created.body.volume.id as string;
    })();
    await expect400({ block_device_mapping_v2: [{ source_type: 'volume', destination_type: 'volume', uuid: theirs, boot_index: 0 }] }, `Block Device Mapping is Invalid: failed to get volume ${theirs}.`);
    const busy = await newVolume('busy');
    const first = await create({ imageRef: image, block_device_mapping_v2: [{ source_type: 'volume', destination_type: 'volume', uuid: busy }] });
    await waitForStatus(first.body.server.id, 'ACTIVE');
    await expect400({ imageRef: image, block_device_mapping_v2: [{ source_type: 'volume', destination_type: 'volume', uuid: busy }] }, `Invalid volume: volume '${busy}' status must be 'available'. Currently in 'in-use'`);
    await call(member.token, 'DELETE', `/servers/${first.body.server.id}`);
    await waitForStatus(first.body.server.id, 'gone');
  });

  it('refuses a boot sequence without a root, image volumes without a size, snapshots, and one volume for many servers', async () => {
    await expect400({ block_device_mapping_v2: [{ source_type: 'blank', destination_type: 'volume', volume_size: 1 }] }, /Boot sequence for the instance and image\/block device mapping combination is not valid/);
    await expect400({ block_device_mapping_v2: [{ source_type: 'image', destination_type: 'volume', uuid: image, boot_index: 0 }] }, "Block Device Mapping is Invalid: Images with destination_type 'volume' need to have a non-zero size specified");
    await expect400({ block_device_mapping_v2: [{ source_type: 'snapshot', destination_type: 'volume', uuid: image, boot_index: 0 }] }, /snapshots is not supported/);
    const vol = await newVolume('shared');
    await expect400({ imageRef: image, min_count: 2, block_device_mapping_v2: [{ source_type: 'volume', destination_type: 'volume', uuid: vol }] }, 'Cannot attach one or more volumes to multiple instances');
    expect((await volumeApi('GET', `/volumes/${vol}`)).body.volume.status).toBe('available');
  });
});
