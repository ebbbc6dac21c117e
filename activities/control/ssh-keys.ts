/**
 * Key pairs as Nova treats them: OpenSSH public keys (`<type> <base64 blob> [comment]`, the blob in the SSH
 * wire format of RFC 4253 §6.6, RFC 5656 and RFC 8709) checked key by key and fingerprinted with the MD5 of the
 * blob; X.509 certificates in PEM fingerprinted with the SHA-1 of their DER; and new key pairs generated as Nova
 * does (RSA 2048 with the private key in PKCS#1 PEM, or a self-signed certificate for x509).
 */
import { createHash, createPublicKey, generateKeyPair, X509Certificate, type JsonWebKey, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import { bitString, objectId, sequence } from './ssh-keys/der.ts';
import { generateX509 } from './ssh-keys/x509.ts';

export type KeyPairType = 'ssh' | 'x509';

/** A public key Nova would refuse; `message` is the reason in Nova's words (after "Keypair data is invalid: "). */
export class InvalidKeypair extends Error {
  override name = 'InvalidKeypair';
}

const SSH_FAILURE = 'failed to generate fingerprint';

/** Lowercase hex pairs joined by colons, Nova's fingerprint notation. */
export function colonHex(bytes: Buffer): string {
  return (bytes.toString('hex').match(/../g) ?? []).join(':');
}

// --- SSH wire format ----------------------------------------------------------------------------------------

class WireReader {
  private offset = 0;
  constructor(private readonly buffer: Buffer) {}

  bytes(): Buffer {
    if (this.offset + 4 > this.buffer.length) throw new InvalidKeypair(SSH_FAILURE);
    const size = this.buffer.readUInt32BE(this.offset);
    const start = this.offset + 4;
    if (start + size > this.buffer.length) throw new InvalidKeypair(SSH_FAILURE);
    this.offset = start + size;
    return this.buffer.subarray(start, start + size);
  }

  text(): string {
    return this.bytes().toString('latin1');
  }

  /** A non-negative mpint (a negative one is refused, as by OpenSSH). */
  mpint(): bigint {
    const raw = this.bytes();
    if (raw.length > 0 && raw[0]! & 0x80) throw new InvalidKeypair(SSH_FAILURE);
    return raw.length === 0 ? 0n : BigInt(`0x${raw.toString('hex')}`);
  }

  get done(): boolean {
    return this.offset === this.buffer.length;
  }
}

export function wireString(value: Buffer | string): Buffer {
  const bytes = typeof value === 'string' ? Buffer.from(value, 'latin1') : value;
  const size = Buffer.alloc(4);
  size.writeUInt32BE(bytes.length);
  return Buffer.concat([size, bytes]);
}

/** An mpint from unsigned big-endian bytes: leading zeros dropped, a zero byte added when the top bit is set. */
export function wireMpint(unsigned: Buffer): Buffer {
  let start = 0;
  while (start < unsigned.length && unsigned[start] === 0) start++;
  const bytes = unsigned.subarray(start);
  return wireString(bytes.length > 0 && bytes[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), bytes]) : bytes);
}

const bigToBuffer = (n: bigint) => {
  const hex = n.toString(16);
  return Buffer.from(hex.length % 2 ? `0${hex}` : hex, 'hex');
};
const bitLength = (n: bigint) => n.toString(2).length;
const b64url = (b: Buffer) => b.toString('base64url');

const EC_CURVES: Record<string, { oid: string; jwk: string; size: number }> = {
  nistp256: { oid: '1.2.840.10045.3.1.7', jwk: 'P-256', size: 32 },
  nistp384: { oid: '1.3.132.0.34', jwk: 'P-384', size: 48 },
  nistp521: { oid: '1.3.132.0.35', jwk: 'P-521', size: 66 },
};

/** The point must lie on the curve: OpenSSL checks that when it reads the SubjectPublicKeyInfo. */
function checkEcPoint(curve: string, point: Buffer): void {
  const spec = EC_CURVES[curve];
  if (!spec) throw new InvalidKeypair(SSH_FAILURE);
  const spki = sequence(sequence(objectId('1.2.840.10045.2.1'), objectId(spec.oid)), bitString(point));
  try {
    createPublicKey({ key: spki, format: 'der', type: 'spki' });
  } catch {
    throw new InvalidKeypair(SSH_FAILURE);
  }
}

function checkEd25519(key: Buffer): void {
  if (key.length !== 32) throw new InvalidKeypair(SSH_FAILURE);
}

/** Reads the fields after the type name for each accepted key type, throwing on anything malformed. */
const KEY_READERS: Record<string, (r: WireReader) => void> = {
  'ssh-rsa': (r) => {
    const e = r.mpint();
    const n = r.mpint();
    if (n < 3n || e < 3n || e >= n || (e & 1n) === 0n) throw new InvalidKeypair(SSH_FAILURE);
    try {
      createPublicKey({ key: { kty: 'RSA', n: b64url(bigToBuffer(n)), e: b64url(bigToBuffer(e)) }, format: 'jwk' });
    } catch {
      throw new InvalidKeypair(SSH_FAILURE);
    }
  },
  'ssh-dss': (r) => {
    const [p, q, g] = [r.mpint(), r.mpint(), r.mpint()];
    r.mpint();
    if (![1024, 2048, 3072, 4096].includes(bitLength(p)) || ![160, 224, 256].includes(bitLength(q)) || g <= 1n || g >= p) {
      throw new InvalidKeypair(SSH_FAILURE);
    }
  },
  'ssh-ed25519': (r) => checkEd25519(r.bytes()),
  'sk-ssh-ed25519@openssh.com': (r) => {
    checkEd25519(r.bytes());
    r.bytes();
  },
  'sk-ecdsa-sha2-nistp256@openssh.com': (r) => {
    if (r.text() !== 'nistp256') throw new InvalidKeypair(SSH_FAILURE);
    checkEcPoint('nistp256', r.bytes());
    r.bytes();
  },
  ...Object.fromEntries(
    Object.keys(EC_CURVES).map((curve) => [
      `ecdsa-sha2-${curve}`,
      (r: WireReader) => {
        if (r.text() !== curve) throw new InvalidKeypair(SSH_FAILURE);
        checkEcPoint(curve, r.bytes());
      },
    ]),
  ),
};

export interface SshPublicKey {
  type: string;
  /** The decoded wire-format blob (what the fingerprint hashes). */
  blob: Buffer;
}

/** Parses and checks an OpenSSH public key line; throws InvalidKeypair when Nova would. */
export function parseSshPublicKey(text: string): SshPublicKey {
  const match = /^(\S+)[ \t]+(\S+)/.exec(text);
  if (!match) throw new InvalidKeypair(SSH_FAILURE);
  const [, type, body] = match as unknown as [string, string, string];
  if (body.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(body)) throw new InvalidKeypair(SSH_FAILURE);
  const blob = Buffer.from(body, 'base64');
  const reader = new WireReader(blob);
  const read = KEY_READERS[type];
  if (!read || reader.text() !== type) throw new InvalidKeypair(SSH_FAILURE);
  read(reader);
  if (!reader.done) throw new InvalidKeypair(SSH_FAILURE);
  return { type, blob };
}

/** The SSH wire blob of a node:crypto public key (RSA, Ed25519, or ECDSA on P-256/384/521). */
export function sshBlob(key: KeyObject): { type: string; blob: Buffer } {
  const jwk = key.export({ format: 'jwk' }) as JsonWebKey;
  const raw = (field: string | undefined) => Buffer.from(field ?? '', 'base64url');
  if (jwk.kty === 'RSA') return { type: 'ssh-rsa', blob: Buffer.concat([wireString('ssh-rsa'), wireMpint(raw(jwk.e)), wireMpint(raw(jwk.n))]) };
  if (jwk.kty === 'OKP' && jwk.crv === 'Ed25519') return { type: 'ssh-ed25519', blob: Buffer.concat([wireString('ssh-ed25519'), wireString(raw(jwk.x))]) };
  const curve = Object.keys(EC_CURVES).find((c) => EC_CURVES[c]!.jwk === jwk.crv);
  if (jwk.kty === 'EC' && curve) {
    const type = `ecdsa-sha2-${curve}`;
    const point = Buffer.concat([Buffer.from([4]), raw(jwk.x), raw(jwk.y)]);
    return { type, blob: Buffer.concat([wireString(type), wireString(curve), wireString(point)]) };
  }
  throw new Error(`no OpenSSH encoding for a ${jwk.kty} key`);
}

/** `<type> <base64 blob>[ comment]`: the OpenSSH public key line (authorized_keys format). */
export function openSshPublicKey(key: KeyObject, comment?: string): string {
  const { type, blob } = sshBlob(key);
  return `${type} ${blob.toString('base64')}${comment ? ` ${comment}` : ''}`;
}

// --- fingerprints -------------------------------------------------------------------------------------------

/** Nova's SSH fingerprint: MD5 of the key blob, colon-separated hex. */
export function sshFingerprint(publicKey: string): string {
  return colonHex(createHash('md5').update(parseSshPublicKey(publicKey).blob).digest());
}

/** Nova's X.509 fingerprint: SHA-1 of the DER certificate, colon-separated hex. Only PEM is accepted. */
export function x509Fingerprint(pem: string): string {
  const start = pem.indexOf('-----BEGIN CERTIFICATE-----');
  let certificate: X509Certificate;
  try {
    if (start < 0) throw new Error('no PEM certificate block');
    certificate = new X509Certificate(pem.slice(start));
  } catch (err) {
    throw new InvalidKeypair(`failed to generate X509 fingerprint. Error message: Unable to load PEM file (${(err as Error).message})`);
  }
  return colonHex(createHash('sha1').update(certificate.raw).digest());
}

export function fingerprint(publicKey: string, type: KeyPairType): string {
  return type === 'x509' ? x509Fingerprint(publicKey) : sshFingerprint(publicKey);
}

// --- generation ---------------------------------------------------------------------------------------------

export interface GeneratedKeyPair {
  /** Shown to the user once: PKCS#1 PEM (ssh) or base64 PKCS#12 (x509). */
  privateKey: string;
  publicKey: string;
  fingerprint: string;
}

/** A new RSA 2048 SSH key pair, its public key commented `Generated-by-Nova` as Nova writes it. */
export async function generateSshKeyPair(bits = 2048): Promise<GeneratedKeyPair> {
  const { privateKey, publicKey } = await promisify(generateKeyPair)('rsa', { modulusLength: bits, publicExponent: 0x10001 });
  const line = openSshPublicKey(publicKey, 'Generated-by-Nova');
  return {
    privateKey: privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
    publicKey: line,
    fingerprint: sshFingerprint(line),
  };
}

/** A new key pair of `type` for `userId` (whose id an x509 certificate names). */
export async function generateKeyPairOf(type: KeyPairType, userId: string): Promise<GeneratedKeyPair> {
  if (type === 'ssh') return generateSshKeyPair();
  const { privateKey, certificate } = await generateX509(userId);
  return { privateKey, publicKey: certificate, fingerprint: x509Fingerprint(certificate) };
}
