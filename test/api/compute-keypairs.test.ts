import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KEY_PAIRS_QUOTA } from '../../activities/control/db/keypairs.ts';
import { generateKeyPairOf, openSshPublicKey, sshFingerprint } from '../../activities/control/ssh-keys.ts';
import { startTestApi, type TestApi } from '../support/api.ts';
import { tokenFor, type TestCredentials } from '../support/identity.ts';

let api: TestApi;
let admin: TestCredentials;
let alice: TestCredentials;
let bob: TestCredentials;

beforeAll(async () => {
  api = await startTestApi();
  admin = await tokenFor(api.db.pool, { project: 'ops', role: 'admin' });
  alice = await tokenFor(api.db.pool, { project: 'tenant', role: 'member', user: 'alice' });
  bob = await tokenFor(api.db.pool, { project: 'tenant', role: 'member', user: 'bob' });
});
afterAll(() => api.stop());

async function call(who: TestCredentials, method: string, path: string, body?: unknown, version = '2.1') {
  const res = await fetch(`${api.url}/compute/v2.1${path}`, {
    method,
    headers: { 'X-Auth-Token': who.token, 'OpenStack-API-Version': `compute ${version}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

const ed25519 = (comment = 'me@laptop') => openSshPublicKey(generateKeyPairSync('ed25519').publicKey, comment);
const names = (body: { keypairs: { keypair: { name: string } }[] }) => body.keypairs.map((k) => k.keypair.name);

describe('os-keypairs', () => {
  it('imports a public key: 200 without type at 2.1, 201 with type from 2.2', async () => {
    const key = ed25519();
    const old = await call(alice, 'POST', '/os-keypairs', { keypair: { name: 'imported', public_key: key } });
    expect(old).toEqual({
      status: 200,
      body: { keypair: { name: 'imported', public_key: key, fingerprint: sshFingerprint(key), user_id: alice.userId } },
    });
    const newer = await call(alice, 'POST', '/os-keypairs', { keypair: { name: 'imported-2', public_key: key } }, '2.2');
    expect(newer.status).toBe(201);
    expect(newer.body.keypair).toEqual({ name: 'imported-2', public_key: key, fingerprint: sshFingerprint(key), user_id: alice.userId, type: 'ssh' });
  });

  it('generates a key pair before 2.92 and shows its private key only once', async () => {
    const created = await call(alice, 'POST', '/os-keypairs', { keypair: { name: 'generated' } }, '2.91');
    expect(created.status).toBe(201);
    const kp = created.body.keypair;
    expect(kp.private_key).toMatch(/^-----BEGIN RSA PRIVATE KEY-----\n/);
    expect(kp.public_key).toMatch(/^ssh-rsa \S+ Generated-by-Nova$/);
    expect(kp.fingerprint).toBe(sshFingerprint(kp.public_key));
    const shown = await call(alice, 'GET', '/os-keypairs/generated', undefined, '2.2');
    expect(shown.status).toBe(200);
    expect(shown.body.keypair).not.toHaveProperty('private_key');
    expect(shown.body.keypair).toMatchObject({
      name: 'generated', public_key: kp.public_key, fingerprint: kp.fingerprint, user_id: alice.userId, type: 'ssh',
      deleted: false, deleted_at: null, updated_at: null,
    });
    expect(shown.body.keypair.id).toEqual(expect.any(Number));
    expect(shown.body.keypair.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$/);
  });

  it('requires a public key from 2.92, which also allows @ and . in names', async () => {
    const missing = await call(alice, 'POST', '/os-keypairs', { keypair: { name: 'nokey' } }, '2.92');
    expect(missing.status).toBe(400);
    expect(missing.body.badRequest.message).toContain("'public_key' is a required property");
    const dotted = await call(alice, 'POST', '/os-keypairs', { keypair: { name: 'alice@laptop.home', public_key: ed25519() } }, '2.92');
    expect(dotted.status).toBe(201);
    expect(dotted.body.keypair).not.toHaveProperty('private_key');
    const early = await call(alice, 'POST', '/os-keypairs', { keypair: { name: 'alice@laptop', public_key: ed25519() } }, '2.91');
    expect(early.status).toBe(400);
    expect(early.body.badRequest.message).toMatch(/^Invalid input for field\/attribute name\. Value: alice@laptop\./);
  });

  it('refuses fields of later microversions and bad names with 400', async () => {
    const typed = await call(alice, 'POST', '/os-keypairs', { keypair: { name: 'x', type: 'ssh', public_key: ed25519() } });
    expect(typed.body.badRequest.message).toContain("Additional properties are not allowed ('type' was unexpected)");
    const forUser = await call(admin, 'POST', '/os-keypairs', { keypair: { name: 'x', user_id: alice.userId, public_key: ed25519() } }, '2.9');
    expect(forUser.body.badRequest.message).toContain("Additional properties are not allowed ('user_id' was unexpected)");
    for (const keypair of [{ name: '' }, { name: ' lead' }, { name: 'a!b' }, { name: 'x'.repeat(256) }, { name: 'x', colour: 'red' }, { name: 'x', type: 'pgp' }]) {
      const res = await call(alice, 'POST', '/os-keypairs', { keypair }, '2.2');
      expect(res.status, JSON.stringify(keypair)).toBe(400);
    }
  });

  it('refuses an invalid public key, a duplicate name, and keys beyond the quota', async () => {
    const bad = await call(alice, 'POST', '/os-keypairs', { keypair: { name: 'bad', public_key: 'ssh-rsa AAAAnotakey' } });
    expect(bad).toEqual({ status: 400, body: { badRequest: { code: 400, message: 'Keypair data is invalid: failed to generate fingerprint' } } });
    const dup = await call(alice, 'POST', '/os-keypairs', { keypair: { name: 'imported', public_key: ed25519() } });
    expect(dup).toEqual({ status: 409, body: { conflictingRequest: { code: 409, message: "Key pair 'imported' already exists." } } });

    const crowded = await tokenFor(api.db.pool, { project: 'tenant', role: 'member', user: 'crowded' });
    await api.db.pool.query(
      `INSERT INTO key_pairs (user_id, name, fingerprint, public_key) SELECT $1, 'k' || n, 'f', 'p' FROM generate_series(1, $2) n`,
      [crowded.userId, KEY_PAIRS_QUOTA],
    );
    const over = await call(crowded, 'POST', '/os-keypairs', { keypair: { name: 'one-more', public_key: ed25519() } });
    expect(over).toEqual({ status: 403, body: { forbidden: { code: 403, message: 'Quota exceeded, too many key pairs.' } } });
  });

  it('imports and generates x509 certificates (2.2+)', async () => {
    const { publicKey: cert } = await generateKeyPairOf('x509', 'someone');
    const imported = await call(alice, 'POST', '/os-keypairs', { keypair: { name: 'cert', type: 'x509', public_key: cert } }, '2.2');
    expect(imported.status).toBe(201);
    expect(imported.body.keypair).toMatchObject({ type: 'x509', fingerprint: new X509Certificate(cert).fingerprint.toLowerCase() });
    const generated = await call(alice, 'POST', '/os-keypairs', { keypair: { name: 'winrm', type: 'x509' } }, '2.2');
    expect(generated.status).toBe(201);
    expect(new X509Certificate(generated.body.keypair.public_key).subject).toBe(`CN=${alice.userId}`);
    expect(Buffer.from(generated.body.keypair.private_key, 'base64')[0]).toBe(0x30);
    const notCert = await call(alice, 'POST', '/os-keypairs', { keypair: { name: 'nocert', type: 'x509', public_key: ed25519() } }, '2.2');
    expect(notCert.status).toBe(400);
    expect(notCert.body.badRequest.message).toMatch(/^Keypair data is invalid: failed to generate X509 fingerprint\. Error message: /);
  });

  it('lists the caller’s key pairs by name, with type from 2.2', async () => {
    const old = await call(alice, 'GET', '/os-keypairs');
    expect(old.status).toBe(200);
    expect(names(old.body)).toEqual(['alice@laptop.home', 'cert', 'generated', 'imported', 'imported-2', 'winrm']);
    expect(Object.keys(old.body.keypairs[0].keypair).sort()).toEqual(['fingerprint', 'name', 'public_key']);
    expect(old.body).not.toHaveProperty('keypairs_links');
    const typed = await call(alice, 'GET', '/os-keypairs', undefined, '2.2');
    expect(typed.body.keypairs.map((k: { keypair: { type: string } }) => k.keypair.type)).toEqual(['ssh', 'x509', 'ssh', 'ssh', 'ssh', 'x509']);
    expect((await call(bob, 'GET', '/os-keypairs')).body).toEqual({ keypairs: [] });
  });

  it('pages with limit and marker from 2.35 (ignored before)', async () => {
    const page = await call(alice, 'GET', '/os-keypairs?limit=2', undefined, '2.35');
    expect(names(page.body)).toEqual(['alice@laptop.home', 'cert']);
    expect(page.body.keypairs_links).toEqual([
      { rel: 'next', href: 'http://nova.test:8774/compute/v2.1/os-keypairs?limit=2&marker=cert' },
    ]);
    const next = await call(alice, 'GET', '/os-keypairs?limit=2&marker=cert', undefined, '2.35');
    expect(names(next.body)).toEqual(['generated', 'imported']);
    const last = await call(alice, 'GET', '/os-keypairs?marker=imported', undefined, '2.35');
    expect(names(last.body)).toEqual(['imported-2', 'winrm']);
    expect(last.body).not.toHaveProperty('keypairs_links');
    expect(await call(alice, 'GET', '/os-keypairs?marker=nope', undefined, '2.35')).toEqual({
      status: 400,
      body: { badRequest: { code: 400, message: 'Marker nope could not be found.' } },
    });
    expect((await call(alice, 'GET', '/os-keypairs?limit=-1', undefined, '2.35')).status).toBe(400);
    expect(names((await call(alice, 'GET', '/os-keypairs?limit=2&marker=nope', undefined, '2.34')).body)).toHaveLength(6);
  });

  it('refuses unknown query parameters from 2.75', async () => {
    expect((await call(alice, 'GET', '/os-keypairs?colour=red', undefined, '2.74')).status).toBe(200);
    expect(await call(alice, 'GET', '/os-keypairs?colour=red', undefined, '2.75')).toEqual({
      status: 400,
      body: { badRequest: { code: 400, message: "Additional properties are not allowed ('colour' was unexpected)" } },
    });
    expect((await call(alice, 'GET', '/os-keypairs/imported?colour=red', undefined, '2.75')).status).toBe(400);
  });

  it('lets admins act on another user’s key pairs with user_id (2.10+), and no one else', async () => {
    const listed = await call(admin, 'GET', `/os-keypairs?user_id=${alice.userId}`, undefined, '2.10');
    expect(names(listed.body)).toHaveLength(6);
    expect(names((await call(admin, 'GET', `/os-keypairs?user_id=${alice.userId}`, undefined, '2.9')).body)).toEqual([]);
    const made = await call(admin, 'POST', '/os-keypairs', { keypair: { name: 'from-admin', user_id: bob.userId, public_key: ed25519() } }, '2.10');
    expect(made.status).toBe(201);
    expect(made.body.keypair.user_id).toBe(bob.userId);
    expect(names((await call(bob, 'GET', '/os-keypairs')).body)).toEqual(['from-admin']);
    expect((await call(admin, 'GET', `/os-keypairs/from-admin?user_id=${bob.userId}`, undefined, '2.10')).status).toBe(200);

    const refused = await call(bob, 'GET', `/os-keypairs?user_id=${alice.userId}`, undefined, '2.10');
    expect(refused).toEqual({ status: 403, body: { forbidden: { code: 403, message: "Policy doesn't allow os_compute_api:os-keypairs:index to be performed." } } });
    expect((await call(bob, 'GET', `/os-keypairs/imported?user_id=${alice.userId}`, undefined, '2.10')).status).toBe(403);
    expect((await call(bob, 'DELETE', `/os-keypairs/imported?user_id=${alice.userId}`, undefined, '2.10')).status).toBe(403);
    expect((await call(bob, 'POST', '/os-keypairs', { keypair: { name: 'planted', user_id: alice.userId, public_key: ed25519() } }, '2.10')).status).toBe(403);
  });

  it('belongs to the user in every project', async () => {
    const elsewhere = await tokenFor(api.db.pool, { project: 'other', role: 'member', user: 'alice' });
    expect(elsewhere.userId).toBe(alice.userId);
    expect(names((await call(elsewhere, 'GET', '/os-keypairs')).body)).toHaveLength(6);
  });

  it('answers 404 for another user’s or an unknown key pair', async () => {
    expect(await call(bob, 'GET', '/os-keypairs/imported')).toEqual({
      status: 404,
      body: { itemNotFound: { code: 404, message: `Keypair imported not found for user ${bob.userId}` } },
    });
    expect((await call(bob, 'DELETE', '/os-keypairs/imported')).status).toBe(404);
  });

  it('finds names with spaces in the path', async () => {
    expect((await call(alice, 'POST', '/os-keypairs', { keypair: { name: 'with space', public_key: ed25519() } })).status).toBe(200);
    expect((await call(alice, 'GET', '/os-keypairs/with%20space')).body.keypair.name).toBe('with space');
  });

  it('deletes with 202 at 2.1 and 204 from 2.2', async () => {
    expect(await call(alice, 'DELETE', '/os-keypairs/imported')).toEqual({ status: 202, body: undefined });
    expect(await call(alice, 'DELETE', '/os-keypairs/imported-2', undefined, '2.2')).toEqual({ status: 204, body: undefined });
    expect((await call(alice, 'GET', '/os-keypairs/imported')).status).toBe(404);
  });

  it('needs a token', async () => {
    const res = await fetch(`${api.url}/compute/v2.1/os-keypairs`);
    expect(res.status).toBe(401);
  });
});
