/** The image service through the real openstack CLI (openstacksdk underneath): create with data, list, show, save, set, delete. */
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emptyQcow2 } from '../../activities/services/image/disk-format.ts';
import { startTestApi, TEST_SECRETS, type TestApi } from '../support/api.ts';
import { CliError, openstack, type CliUser } from '../support/openstack-cli.ts';

let api: TestApi;
let work: string;
const admin: CliUser = { username: 'admin', password: TEST_SECRETS.adminPassword, project: 'admin' };
const demo: CliUser = { username: 'demo', password: TEST_SECRETS.demoPassword, project: 'demo' };
const cli = <T = unknown>(user: CliUser, ...args: string[]) => openstack<T>(api.url, user, args);
const quiet = (user: CliUser, ...args: string[]) => openstack(api.url, user, args, false);
const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');

type Row = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

beforeAll(async () => {
  api = await startTestApi({ reachable: true });
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'novaflow-image-cli-'));
});
afterAll(async () => {
  await api.stop();
  await fs.rm(work, { recursive: true, force: true });
});

describe('openstack CLI against the image service', () => {
  it('creates an image from a file, lists, shows and saves it byte for byte, then deletes it', async () => {
    // A qcow2 disk with some data after the header, so the bytes are not all predictable.
    const data = Buffer.concat([emptyQcow2(16 * 1024 * 1024), randomBytes(100_000)]);
    const file = path.join(work, 'disk.qcow2');
    await fs.writeFile(file, data);

    const created = await cli<Row>(admin, 'image', 'create', '--file', file, '--disk-format', 'qcow2', '--container-format', 'bare', '--property', 'hw_disk_bus=scsi', 'my-disk');
    expect(created).toMatchObject({ name: 'my-disk', status: 'active', disk_format: 'qcow2', container_format: 'bare', size: data.length, checksum: md5(data) });
    expect(created.visibility).toBe('shared');
    expect(created.properties).toMatchObject({ hw_disk_bus: 'scsi' });

    const list = await cli<Row[]>(admin, 'image', 'list');
    expect(list.map((i) => i.Name).sort()).toEqual(['cirros', 'my-disk']);
    expect(list.find((i) => i.Name === 'my-disk')).toMatchObject({ ID: created.id, Status: 'active' });

    const shown = await cli<Row>(admin, 'image', 'show', 'my-disk');
    expect(shown).toMatchObject({ id: created.id, virtual_size: 16 * 1024 * 1024, checksum: md5(data) });
    // The CLI files the hash fields under properties.
    expect(shown.properties).toMatchObject({ os_hash_algo: 'sha512', os_hash_value: createHash('sha512').update(data).digest('hex') });

    const out = path.join(work, 'saved.qcow2');
    await quiet(admin, 'image', 'save', '--file', out, 'my-disk');
    expect((await fs.readFile(out)).equals(data)).toBe(true);

    await quiet(admin, 'image', 'set', '--name', 'renamed', '--property', 'os_distro=test', '--tag', 'blue', 'my-disk');
    const renamed = await cli<Row>(admin, 'image', 'show', created.id);
    expect(renamed).toMatchObject({ name: 'renamed', tags: ['blue'] });
    expect(renamed.properties).toMatchObject({ os_distro: 'test', hw_disk_bus: 'scsi' });

    await quiet(admin, 'image', 'unset', '--property', 'os_distro', '--tag', 'blue', 'renamed');
    const unset = await cli<Row>(admin, 'image', 'show', 'renamed');
    expect(unset.tags).toEqual([]);
    expect(unset.properties.os_distro).toBeUndefined();
    expect(unset.properties.hw_disk_bus).toBe('scsi');

    await quiet(admin, 'image', 'delete', 'renamed');
    expect((await cli<Row[]>(admin, 'image', 'list')).map((i) => i.Name)).toEqual(['cirros']);
  });

  it('shares an image with another project, which accepts it and then lists it', async () => {
    // Always with --file: without one the CLI reads image data from its standard input, which is a pipe here.
    const file = path.join(work, 'small.raw');
    await fs.writeFile(file, randomBytes(4096));
    const image = await cli<Row>(admin, 'image', 'create', '--shared', '--file', file, '--disk-format', 'raw', '--container-format', 'bare', 'for-demo');
    const member = await cli<Row>(admin, 'image', 'add', 'project', 'for-demo', 'demo');
    expect(member).toMatchObject({ image_id: image.id, status: 'pending' });
    expect((await cli<Row[]>(demo, 'image', 'list')).map((i) => i.Name)).not.toContain('for-demo');
    await quiet(demo, 'image', 'set', '--accept', image.id);
    expect((await cli<Row[]>(demo, 'image', 'list')).map((i) => i.Name)).toContain('for-demo');
    await quiet(admin, 'image', 'delete', 'for-demo');
  });

  it('shows the public cirros image to a member of another project, and refuses it a public image of its own', async () => {
    const list = await cli<Row[]>(demo, 'image', 'list', '--long');
    expect(list).toEqual([expect.objectContaining({ Name: 'cirros', Visibility: 'public', 'Disk Format': 'qcow2', Status: 'active' })]);
    const attempt = cli(demo, 'image', 'create', '--public', '--disk-format', 'raw', '--container-format', 'bare', 'mine');
    await expect(attempt).rejects.toThrow(CliError);
    await expect(attempt).rejects.toThrow(/You are not authorized to complete publicize_image action/);
  });
});
