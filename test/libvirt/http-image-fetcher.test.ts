/**
 * The host's image fetcher over real HTTP, against a small stand-in for the identity and image APIs: it
 * authenticates as the service user, finds the image endpoint in the catalog, downloads with the token, checks
 * the sha512 (given, or read from the image record), renews a rejected token once, and never leaves a partial file.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpImageFetcher, ImageFetchError } from '../../activities/host/libvirt/image-fetcher.ts';

const BYTES = Buffer.from('QFI\xfb pretend image bytes '.repeat(1000), 'latin1');
const SHA512 = createHash('sha512').update(BYTES).digest('hex');

describe('HttpImageFetcher', () => {
  let server: http.Server;
  let base: string;
  let dir: string;
  let issued = 0;
  let revoked = new Set<string>();
  const auths: unknown[] = [];

  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'novaflow-fetcher-'));
    server = http.createServer((req, res) => {
      if (req.method === 'POST' && req.url === '/identity/v3/auth/tokens') {
        let body = '';
        req.on('data', (c: Buffer) => (body += c.toString()));
        req.on('end', () => {
          auths.push(JSON.parse(body));
          const token = `tok-${++issued}`;
          res.writeHead(201, { 'Content-Type': 'application/json', 'X-Subject-Token': token });
          res.end(JSON.stringify({ token: { expires_at: new Date(Date.now() + 3_600_000).toISOString(), catalog: [{ type: 'image', endpoints: [{ interface: 'internal', url: `${base}/image` }] }] } }));
        });
        return;
      }
      const token = String(req.headers['x-auth-token'] ?? '');
      if (!token.startsWith('tok-') || revoked.has(token)) {
        res.writeHead(401).end();
        return;
      }
      const m = /^\/image\/v2\/images\/([^/]+)(\/file)?$/.exec(req.url ?? '');
      if (!m || !['good', 'corrupt', 'empty'].includes(m[1]!)) {
        res.writeHead(404).end();
        return;
      }
      if (!m[2]) {
        res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ id: m[1], os_hash_algo: 'sha512', os_hash_value: SHA512 }));
        return;
      }
      if (m[1] === 'empty') {
        res.writeHead(204).end();
        return;
      }
      res.writeHead(200, { 'Content-Type': 'application/octet-stream' });
      res.end(m[1] === 'corrupt' ? Buffer.concat([BYTES.subarray(1), Buffer.from('x')]) : BYTES);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await fs.rm(dir, { recursive: true, force: true });
  });

  const fetcher = () =>
    new HttpImageFetcher({
      identityUrl: `${base}/identity`,
      credentials: { username: 'nova', password: 's3cret', userDomainName: 'Default', projectName: 'service', projectDomainName: 'Default' },
    });

  it('downloads with a service token, checking the hash from the image record', async () => {
    const f = fetcher();
    const dest = path.join(dir, 'good');
    await f.fetch({ id: 'good' }, dest);
    expect((await fs.readFile(dest)).equals(BYTES)).toBe(true);
    expect(auths.at(-1)).toEqual({
      auth: {
        identity: { methods: ['password'], password: { user: { name: 'nova', domain: { name: 'Default' }, password: 's3cret' } } },
        scope: { project: { name: 'service', domain: { name: 'Default' } } },
      },
    });
    const before = issued;
    await f.fetch({ id: 'good', hash: SHA512 }, path.join(dir, 'good2'));
    expect(issued).toBe(before); // token reused
  });

  it('renews a token the identity service no longer accepts', async () => {
    const f = fetcher();
    await f.fetch({ id: 'good', hash: SHA512 }, path.join(dir, 'a'));
    revoked = new Set([`tok-${issued}`]);
    const before = issued;
    await f.fetch({ id: 'good', hash: SHA512 }, path.join(dir, 'b'));
    expect(issued).toBe(before + 1);
  });

  it('refuses bytes that do not match and leaves no file behind', async () => {
    const dest = path.join(dir, 'corrupt');
    await expect(fetcher().fetch({ id: 'corrupt', hash: SHA512 }, dest)).rejects.toThrow(ImageFetchError);
    expect((await fs.readdir(dir)).filter((n) => n.startsWith('corrupt'))).toEqual([]);
  });

  it('reports images without data or unknown to the image service', async () => {
    await expect(fetcher().fetch({ id: 'empty', hash: SHA512 }, path.join(dir, 'e'))).rejects.toThrow(/has no data/);
    await expect(fetcher().fetch({ id: 'missing', hash: SHA512 }, path.join(dir, 'm'))).rejects.toThrow(/HTTP 404/);
  });
});
