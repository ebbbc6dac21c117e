/** Key pair crypto: the OpenSSH wire format, Nova's fingerprints, key checks, and generated SSH and x509 pairs. */
import { execFileSync } from 'node:child_process';
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  fingerprint,
  generateKeyPairOf,
  InvalidKeypair,
  openSshPublicKey,
  parseSshPublicKey,
  sshFingerprint,
  wireMpint,
  wireString,
  x509Fingerprint,
} from '../../activities/control/ssh-keys.ts';
import { integer, objectId, time } from '../../activities/control/ssh-keys/der.ts';

const has = (tool: string) => {
  try {
    execFileSync('sh', ['-c', `command -v ${tool}`]);
    return true;
  } catch {
    return false;
  }
};
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'novaflow-keys-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** RFC 8032 test vector 1's Ed25519 public key. */
const ED25519_RAW = Buffer.from('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a', 'hex');
const ed25519Blob = Buffer.concat([wireString('ssh-ed25519'), wireString(ED25519_RAW)]);
const ED25519_LINE = `ssh-ed25519 ${ed25519Blob.toString('base64')} alice@example`;
const line = (blob: Buffer, type = 'ssh-ed25519') => `${type} ${blob.toString('base64')}`;
const md5Colons = (b: Buffer) => (createHash('md5').update(b).digest('hex').match(/../g) ?? []).join(':');

describe('SSH public keys', () => {
  it('fingerprints a key as the colon-separated MD5 of its blob', () => {
    expect(sshFingerprint(ED25519_LINE)).toBe(md5Colons(ed25519Blob));
    expect(sshFingerprint(ED25519_LINE)).toMatch(/^([0-9a-f]{2}:){15}[0-9a-f]{2}$/);
    expect(fingerprint(ED25519_LINE, 'ssh')).toBe(sshFingerprint(ED25519_LINE));
  });

  const keys = [
    ['ed25519', {}],
    ['rsa', { modulusLength: 1024 }],
    ['ec', { namedCurve: 'P-256' }],
    ['ec', { namedCurve: 'P-384' }],
    ['ec', { namedCurve: 'P-521' }],
  ] as const;

  it.each(keys)('writes %s keys in OpenSSH format that parse back', (kind, options) => {
    const { publicKey } = generateKeyPairSync(kind as 'ed25519', options as object);
    const text = openSshPublicKey(publicKey, 'me@host');
    expect(text).toMatch(/^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)) [A-Za-z0-9+/]+=* me@host$/);
    expect(parseSshPublicKey(text).type).toBe(text.split(' ')[0]);
  });

  it.skipIf(!has('ssh-keygen')).each(keys)('agrees with ssh-keygen on the fingerprint of %s keys', (kind, options) => {
    const { publicKey } = generateKeyPairSync(kind as 'ed25519', options as object);
    const text = openSshPublicKey(publicKey, 'c');
    const file = path.join(tmp, `${kind}.pub`);
    fs.writeFileSync(file, `${text}\n`);
    const reference = execFileSync('ssh-keygen', ['-l', '-E', 'md5', '-f', file]).toString();
    expect(reference).toContain(`MD5:${sshFingerprint(text)}`);
  });

  it('accepts a key without comment, with a trailing newline, or separated by a tab', () => {
    for (const text of [line(ed25519Blob), `${line(ed25519Blob)}\n`, `ssh-ed25519\t${ed25519Blob.toString('base64')}`]) {
      expect(parseSshPublicKey(text).blob).toEqual(ed25519Blob);
    }
  });

  const { publicKey: rsa } = generateKeyPairSync('rsa', { modulusLength: 1024 });
  const jwk = rsa.export({ format: 'jwk' });
  const rsaBlob = (e: Buffer) => Buffer.concat([wireString('ssh-rsa'), wireMpint(e), wireMpint(Buffer.from(jwk.n!, 'base64url'))]);
  const { publicKey: ec } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const ecJwk = ec.export({ format: 'jwk' });
  const point = Buffer.concat([Buffer.from([4]), Buffer.from(ecJwk.x!, 'base64url'), Buffer.from(ecJwk.y!, 'base64url')]);
  const offCurve = Buffer.from(point);
  offCurve[offCurve.length - 1]! ^= 1;
  const ecBlob = (p: Buffer, curve = 'nistp256') => Buffer.concat([wireString('ecdsa-sha2-nistp256'), wireString(curve), wireString(p)]);

  it.each([
    ['an empty string', ''],
    ['a single word', 'ssh-ed25519'],
    ['text that is not base64', 'ssh-ed25519 not*base64'],
    ['base64 missing its padding', `ssh-ed25519 ${ed25519Blob.toString('base64').replace(/=+$/, '')}x`],
    ['an unknown key type', line(Buffer.concat([wireString('ssh-foo'), wireString(ED25519_RAW)]), 'ssh-foo')],
    ['a blob naming another type', line(ed25519Blob, 'ssh-rsa')],
    ['a truncated blob', line(ed25519Blob.subarray(0, ed25519Blob.length - 3))],
    ['trailing data in the blob', line(Buffer.concat([ed25519Blob, wireString('x')]))],
    ['an Ed25519 key of the wrong size', line(Buffer.concat([wireString('ssh-ed25519'), wireString(ED25519_RAW.subarray(1))]))],
    ['an RSA key with an even exponent', line(rsaBlob(Buffer.from([0x01, 0x00, 0x00])), 'ssh-rsa')],
    ['an RSA key with a negative mpint', line(Buffer.concat([wireString('ssh-rsa'), wireString(Buffer.from([0x81])), wireMpint(Buffer.from(jwk.n!, 'base64url'))]), 'ssh-rsa')],
    ['an EC point off the curve', line(ecBlob(offCurve), 'ecdsa-sha2-nistp256')],
    ['an EC key naming another curve', line(ecBlob(point, 'nistp384'), 'ecdsa-sha2-nistp256')],
    ['a PEM certificate', '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----'],
  ])('refuses %s with Nova’s reason', (_what, text) => {
    expect(() => sshFingerprint(text)).toThrow(InvalidKeypair);
    expect(() => sshFingerprint(text)).toThrow('failed to generate fingerprint');
  });

  it('accepts the valid RSA and EC keys those were made from', () => {
    expect(parseSshPublicKey(line(rsaBlob(Buffer.from(jwk.e!, 'base64url')), 'ssh-rsa')).type).toBe('ssh-rsa');
    expect(parseSshPublicKey(line(ecBlob(point), 'ecdsa-sha2-nistp256')).type).toBe('ecdsa-sha2-nistp256');
  });
});

describe('generated key pairs', () => {
  it('generates an RSA 2048 SSH key pair as Nova does', async () => {
    const pair = await generateKeyPairOf('ssh', 'user-1');
    expect(pair.privateKey.startsWith('-----BEGIN RSA PRIVATE KEY-----\n')).toBe(true);
    expect(pair.publicKey).toMatch(/^ssh-rsa AAAAB3NzaC1yc2E[A-Za-z0-9+/]+=* Generated-by-Nova$/);
    expect(pair.fingerprint).toBe(sshFingerprint(pair.publicKey));
    const derived = createPublicKey(createPrivateKey(pair.privateKey));
    expect(derived.asymmetricKeyDetails?.modulusLength).toBe(2048);
    expect(openSshPublicKey(derived, 'Generated-by-Nova')).toBe(pair.publicKey);
  });

  it('generates a self-signed x509 certificate for the user with a PKCS#12 private key', async () => {
    const pair = await generateKeyPairOf('x509', 'user-1');
    const cert = new X509Certificate(pair.publicKey);
    expect(cert.subject).toBe('CN=user-1');
    expect(cert.issuer).toBe('CN=user-1');
    expect(cert.subjectAltName).toContain('user-1@localhost');
    expect(cert.verify(cert.publicKey)).toBe(true);
    expect(Date.parse(cert.validTo) - Date.now()).toBeGreaterThan(3649 * 86_400_000);
    expect(pair.fingerprint).toBe(cert.fingerprint.toLowerCase());
    expect(x509Fingerprint(pair.publicKey)).toBe(pair.fingerprint);
    const p12 = Buffer.from(pair.privateKey, 'base64');
    expect(p12[0]).toBe(0x30);
    if (has('openssl')) {
      const file = path.join(tmp, 'key.p12');
      fs.writeFileSync(file, p12);
      const out = execFileSync('openssl', ['pkcs12', '-in', file, '-passin', 'pass:', '-nodes']).toString();
      expect(out).toContain('-----BEGIN PRIVATE KEY-----');
      expect(out).toContain(pair.publicKey.trim());
    }
  });

  it('refuses what is not a PEM certificate as an x509 key', () => {
    expect(() => x509Fingerprint('garbage')).toThrow(/^failed to generate X509 fingerprint\. Error message: /);
    expect(() => fingerprint(ED25519_LINE, 'x509')).toThrow(InvalidKeypair);
  });
});

describe('DER', () => {
  it('encodes integers, object ids and times', () => {
    expect(integer(0).toString('hex')).toBe('020100');
    expect(integer(127).toString('hex')).toBe('02017f');
    expect(integer(128).toString('hex')).toBe('02020080');
    expect(integer(Buffer.from([0, 0, 1])).toString('hex')).toBe('020101');
    expect(objectId('1.2.840.113549.1.1.11').toString('hex')).toBe('06092a864886f70d01010b');
    expect(time(new Date('2036-01-02T03:04:05Z')).toString()).toContain('360102030405Z');
    expect(time(new Date('2051-01-02T03:04:05Z'))[0]).toBe(0x18);
  });
});
