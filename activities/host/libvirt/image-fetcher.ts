/**
 * How a compute host gets image bytes. A host holds no database credentials: it downloads from the image service's
 * Glance-v2 HTTP API (`GET /image/v2/images/{id}/file`) with a Keystone token of a service user it is configured
 * with (as nova-compute does with its [glance] and [service_user] options). Credentials live only in the host's
 * configuration and in this object; they never travel in activity arguments, and tokens stay in memory.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';

export interface ImageToFetch {
  id: string;
  /** sha512 hex of the bytes (`os_hash_value`); when absent the fetcher asks the image service for it. */
  hash?: string | null;
}

export interface ImageFetcher {
  /**
   * Writes the image's bytes to `destination` (atomically: a partial download never appears under that name) and
   * checks them against the sha512 hash. Throws ImageFetchError when the image cannot be had or its bytes do not
   * match.
   */
  fetch(image: ImageToFetch, destination: string): Promise<void>;
}

export class ImageFetchError extends Error {
  readonly type = 'ImageFetchError';
}

/** A Keystone v3 password identity: the host's service user. */
export interface ServiceUserCredentials {
  username: string;
  password: string;
  userDomainName: string;
  projectName: string;
  projectDomainName: string;
}

export interface HttpImageFetcherOptions {
  /** Identity API base, e.g. `http://controller:8774/identity` (the fetcher appends `/v3/auth/tokens`). */
  identityUrl: string;
  credentials: ServiceUserCredentials;
  /** Image API base, e.g. `http://controller:8774/image`; taken from the token's catalog (type `image`) when absent. */
  imageUrl?: string;
  /** Catalog interface to use when the URL comes from the catalog. */
  interface?: 'public' | 'internal' | 'admin';
  fetch?: typeof fetch;
}

interface CachedToken {
  id: string;
  expiresAt: number;
  imageUrl: string | undefined;
}

type CatalogEntry = { type: string; endpoints: { interface: string; url: string }[] };

/** Writes a stream to `<destination>.part-*` while hashing it, then renames it into place if the sha512 matches. */
export async function writeVerified(source: Readable, destination: string, expectedSha512: string | null | undefined, what: string): Promise<void> {
  const temp = `${destination}.part-${randomBytes(4).toString('hex')}`;
  const hash = createHash('sha512');
  const hasher = new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      done(null, chunk);
    },
  });
  try {
    await pipeline(source, hasher, createWriteStream(temp, { mode: 0o644 }));
    const actual = hash.digest('hex');
    if (expectedSha512 && actual !== expectedSha512.toLowerCase()) {
      throw new ImageFetchError(`${what}: downloaded bytes have sha512 ${actual}, the image service says ${expectedSha512}`);
    }
    await fs.rename(temp, destination);
  } catch (err) {
    await fs.rm(temp, { force: true });
    throw err;
  }
}

export class HttpImageFetcher implements ImageFetcher {
  private token: CachedToken | undefined;
  private readonly http: typeof fetch;

  constructor(private readonly options: HttpImageFetcherOptions) {
    this.http = options.fetch ?? fetch;
  }

  /** A project-scoped token of the service user, reused until five minutes before it expires. */
  private async authenticate(force = false): Promise<CachedToken> {
    if (!force && this.token && this.token.expiresAt - 300_000 > Date.now()) return this.token;
    const c = this.options.credentials;
    const res = await this.http(`${this.options.identityUrl.replace(/\/$/, '')}/v3/auth/tokens`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify({
        auth: {
          identity: { methods: ['password'], password: { user: { name: c.username, domain: { name: c.userDomainName }, password: c.password } } },
          scope: { project: { name: c.projectName, domain: { name: c.projectDomainName } } },
        },
      }),
    });
    const id = res.headers.get('x-subject-token');
    if (res.status !== 201 || !id) {
      throw new ImageFetchError(`image service authentication as ${c.username} failed: HTTP ${res.status}`);
    }
    const body = (await res.json()) as { token?: { expires_at?: string; catalog?: CatalogEntry[] } };
    const want = this.options.interface ?? 'internal';
    const endpoints = body.token?.catalog?.find((e) => e.type === 'image')?.endpoints ?? [];
    const fromCatalog = (endpoints.find((e) => e.interface === want) ?? endpoints.find((e) => e.interface === 'public'))?.url;
    this.token = { id, expiresAt: Date.parse(body.token?.expires_at ?? '') || Date.now() + 3_600_000, imageUrl: fromCatalog };
    return this.token;
  }

  /** GET with the service token; one fresh token and retry on a 401 (expired or revoked token). */
  private async get(pathOf: (imageBase: string) => string): Promise<Response> {
    for (const force of [false, true]) {
      const token = await this.authenticate(force);
      const base = (this.options.imageUrl ?? token.imageUrl)?.replace(/\/$/, '');
      if (!base) throw new ImageFetchError('no image service URL configured and none in the service catalog');
      const res = await this.http(pathOf(base), { headers: { 'X-Auth-Token': token.id } });
      if (res.status !== 401 || force) return res;
      await res.body?.cancel();
    }
    throw new Error('unreachable');
  }

  async fetch(image: ImageToFetch, destination: string): Promise<void> {
    const id = encodeURIComponent(image.id);
    let expected = image.hash ?? null;
    if (!expected) {
      const meta = await this.get((b) => `${b}/v2/images/${id}`);
      if (meta.status !== 200) throw new ImageFetchError(`image ${image.id}: HTTP ${meta.status} from the image service`);
      const body = (await meta.json()) as { os_hash_algo?: string | null; os_hash_value?: string | null };
      if (body.os_hash_algo === 'sha512') expected = body.os_hash_value ?? null;
    }
    const res = await this.get((b) => `${b}/v2/images/${id}/file`);
    if (res.status === 204 || !res.body) throw new ImageFetchError(`image ${image.id} has no data`);
    if (res.status !== 200) {
      await res.body.cancel();
      throw new ImageFetchError(`image ${image.id}: HTTP ${res.status} from the image service`);
    }
    await writeVerified(Readable.fromWeb(res.body as WebReadableStream<Uint8Array>), destination, expected, `image ${image.id}`);
  }
}
