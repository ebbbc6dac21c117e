/** Key pairs and server groups through the real openstack CLI (openstacksdk underneath), as a user works with them. */
import { generateKeyPairSync } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSshPublicKey, sshFingerprint } from '../../activities/control/ssh-keys.ts';
import { startTestApi, TEST_SECRETS, type TestApi } from '../support/api.ts';
import { CliError, openstack, type CliUser } from '../support/openstack-cli.ts';

let api: TestApi;
let dir: string;
const demo: CliUser = { username: 'demo', password: TEST_SECRETS.demoPassword, project: 'demo' };
const cli = <T = unknown>(...args: string[]) => openstack<T>(api.url, demo, args);
const quiet = (...args: string[]) => openstack(api.url, demo, args, false);

type Row = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

beforeAll(async () => {
  api = await startTestApi({ reachable: true });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'novaflow-cli-keys-'));
});
afterAll(async () => {
  await api.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('openstack CLI against os-keypairs', () => {
  const publicKey = openSshPublicKey(generateKeyPairSync('ed25519').publicKey, 'demo@workstation');

  it('imports a public key file, lists and shows it', async () => {
    const file = path.join(dir, 'id_ed25519.pub');
    fs.writeFileSync(file, `${publicKey}\n`);
    const created = await cli<Row>('keypair', 'create', '--public-key', file, 'k1');
    expect(created).toMatchObject({ name: 'k1', fingerprint: sshFingerprint(publicKey), type: 'ssh' });

    const list = await cli<Row[]>('keypair', 'list');
    expect(list).toEqual([expect.objectContaining({ Name: 'k1', Fingerprint: sshFingerprint(publicKey), Type: 'ssh' })]);

    const shown = await cli<Row>('keypair', 'show', 'k1');
    expect(shown).toMatchObject({ name: 'k1', fingerprint: sshFingerprint(publicKey), type: 'ssh' });
    expect(shown.user_id).toMatch(/^[0-9a-f]{32}$/);
    const onlyKey = await openstack<string>(api.url, demo, ['keypair', 'show', '--public-key', 'k1'], false);
    expect(onlyKey.trim()).toBe(publicKey);
  });

  it('creates a key pair without a public key file (the client generates one and imports it)', async () => {
    const file = path.join(dir, 'k2.pem');
    const created = await cli<Row>('keypair', 'create', '--private-key', file, 'k2');
    expect(created).toMatchObject({ name: 'k2', type: 'ssh' });
    expect(fs.readFileSync(file, 'utf8')).toMatch(/^-----BEGIN (OPENSSH|RSA) PRIVATE KEY-----\n/);
    const shown = await cli<Row>('keypair', 'show', 'k2');
    expect(shown.fingerprint).toBe(created.fingerprint);
    await quiet('keypair', 'delete', 'k2');
  });

  it('deletes it', async () => {
    await quiet('keypair', 'delete', 'k1');
    expect(await cli<Row[]>('keypair', 'list')).toEqual([]);
    await expect(cli('keypair', 'show', 'k1')).rejects.toThrow(CliError);
  });
});

describe('openstack CLI against os-server-groups', () => {
  it('creates, lists and deletes an anti-affinity group', async () => {
    const group = await cli<Row>('server', 'group', 'create', '--policy', 'anti-affinity', 'g1');
    expect(group).toMatchObject({ name: 'g1', policy: 'anti-affinity' });
    expect(group.id).toMatch(/^[0-9a-f-]{36}$/);

    const list = await cli<Row[]>('server', 'group', 'list');
    expect(list).toEqual([expect.objectContaining({ ID: group.id, Name: 'g1', Policy: 'anti-affinity' })]);

    await quiet('server', 'group', 'delete', 'g1');
    expect(await cli<Row[]>('server', 'group', 'list')).toEqual([]);
  });
});
