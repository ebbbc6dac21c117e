/**
 * Nova's x509 key pairs (WinRM certificate authentication): a self-signed RSA certificate for a user (subject
 * CN=<user id>, client-auth extended key usage, a UPN `<user id>@localhost` subject alternative name, ten years),
 * handed back with its private key as a base64 PKCS#12 file with an empty password.
 */
import { createHash, createHmac, createPublicKey, generateKeyPair, randomBytes, sign, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import { bitString, explicit, integer, nullValue, objectId, octetString, sequence, set, time, utf8String } from './der.ts';

const OID = {
  sha256WithRsa: '1.2.840.113549.1.1.11',
  commonName: '2.5.4.3',
  extKeyUsage: '2.5.29.37',
  clientAuth: '1.3.6.1.5.5.7.3.2',
  subjectAltName: '2.5.29.17',
  msUpn: '1.3.6.1.4.1.311.20.2.3',
  data: '1.2.840.113549.1.7.1',
  keyBag: '1.2.840.113549.1.12.10.1.1',
  certBag: '1.2.840.113549.1.12.10.1.3',
  x509Certificate: '1.2.840.113549.1.9.22.1',
  localKeyId: '1.2.840.113549.1.9.21',
  sha256: '2.16.840.1.101.3.4.2.1',
};

const TEN_YEARS_MS = 3650 * 86_400_000;

function toPem(label: string, der: Buffer): string {
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

/** A self-signed certificate for `userId`, signed with `key` (RSA, SHA-256). */
export function selfSignedCertificate(userId: string, key: KeyObject, now = new Date()): Buffer {
  const name = sequence(set(sequence(objectId(OID.commonName), utf8String(userId))));
  const algorithm = sequence(objectId(OID.sha256WithRsa), nullValue());
  const serial = randomBytes(16);
  serial[0] = (serial[0]! & 0x7f) | 0x01;
  const upn = explicit(0, objectId(OID.msUpn), explicit(0, utf8String(`${userId}@localhost`)));
  const extensions = explicit(
    3,
    sequence(
      sequence(objectId(OID.extKeyUsage), octetString(sequence(objectId(OID.clientAuth)))),
      sequence(objectId(OID.subjectAltName), octetString(sequence(upn))),
    ),
  );
  const spki = createPublicKey(key).export({ type: 'spki', format: 'der' });
  const tbs = sequence(
    explicit(0, integer(2)),
    integer(serial),
    algorithm,
    name,
    sequence(time(now), time(new Date(now.getTime() + TEN_YEARS_MS))),
    name,
    spki,
    extensions,
  );
  return sequence(tbs, algorithm, bitString(sign('sha256', tbs, key)));
}

/** The PKCS#12 key derivation (RFC 7292 appendix B.2) with SHA-256; `id` 3 derives MAC keys. */
function pkcs12Kdf(password: Buffer, salt: Buffer, id: number, iterations: number, size: number): Buffer {
  const u = 32;
  const v = 64;
  const fill = (b: Buffer) => (b.length === 0 ? Buffer.alloc(0) : Buffer.alloc(v * Math.ceil(b.length / v), b));
  const d = Buffer.alloc(v, id);
  const i = Buffer.concat([fill(salt), fill(password)]);
  const out: Buffer[] = [];
  for (let produced = 0; produced < size; produced += u) {
    let a = createHash('sha256').update(d).update(i).digest();
    for (let r = 1; r < iterations; r++) a = createHash('sha256').update(a).digest();
    out.push(a);
    const b = Buffer.alloc(v, a);
    for (let block = 0; block < i.length; block += v) {
      let carry = 1;
      for (let k = v - 1; k >= 0; k--) {
        const sum = i[block + k]! + b[k]! + carry;
        i[block + k] = sum & 0xff;
        carry = sum >> 8;
      }
    }
  }
  return Buffer.concat(out).subarray(0, size);
}

/** A PKCS#12 file holding `certificate` and `key`, MAC-protected with the empty password (bags unencrypted). */
export function pkcs12(certificate: Buffer, key: KeyObject): Buffer {
  const attributes = set(sequence(objectId(OID.localKeyId), set(octetString(createHash('sha1').update(certificate).digest()))));
  const certBag = sequence(
    objectId(OID.certBag),
    explicit(0, sequence(objectId(OID.x509Certificate), explicit(0, octetString(certificate)))),
    attributes,
  );
  const keyBag = sequence(objectId(OID.keyBag), explicit(0, key.export({ type: 'pkcs8', format: 'der' })), attributes);
  const data = (content: Buffer) => sequence(objectId(OID.data), explicit(0, octetString(content)));
  const authenticatedSafe = sequence(data(sequence(certBag)), data(sequence(keyBag)));
  const salt = randomBytes(8);
  const iterations = 2048;
  // The empty password as a BMPString with its terminating NUL, as OpenSSL encodes "".
  const macKey = pkcs12Kdf(Buffer.alloc(2), salt, 3, iterations, 32);
  const mac = createHmac('sha256', macKey).update(authenticatedSafe).digest();
  const macData = sequence(sequence(sequence(objectId(OID.sha256), nullValue()), octetString(mac)), octetString(salt), integer(iterations));
  return sequence(integer(3), data(authenticatedSafe), macData);
}

export interface GeneratedX509 {
  /** Base64 of the PKCS#12 file (certificate and private key, empty password). */
  privateKey: string;
  /** The certificate in PEM: the key pair's public part. */
  certificate: string;
}

export async function generateX509(userId: string, bits = 2048): Promise<GeneratedX509> {
  const { privateKey: key } = await promisify(generateKeyPair)('rsa', { modulusLength: bits, publicExponent: 0x10001 });
  const certificate = selfSignedCertificate(userId, key);
  return { privateKey: pkcs12(certificate, key).toString('base64'), certificate: toPem('CERTIFICATE', certificate) };
}
