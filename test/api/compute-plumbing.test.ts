import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../support/api.ts';
import { tokenFor } from '../support/identity.ts';

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi({ maxBodyBytes: 1024 });
});
afterAll(() => api.stop());

const get = (path: string, headers: Record<string, string> = {}) => fetch(`${api.url}${path}`, { headers });

describe('compute version documents', () => {
  it('lists v2.0 and v2.1 at the compute root, each with a self link that answers', async () => {
    const res = await get('/compute/');
    expect(res.status).toBe(200);
    const body = (await res.json()) as { versions: { id: string; status: string; version: string; min_version: string; links: { href: string; rel: string }[] }[] };
    expect(body.versions.map((v) => [v.id, v.status, v.version, v.min_version])).toEqual([
      ['v2.0', 'DEPRECATED', '', ''],
      ['v2.1', 'CURRENT', '2.103', '2.1'],
    ]);
    for (const v of body.versions) {
      const self = v.links.find((l) => l.rel === 'self')!;
      expect(self.href.startsWith('http://nova.test:8774/compute/')).toBe(true);
      const doc = await get(new URL(self.href).pathname);
      expect(doc.status).toBe(200);
      const { version } = (await doc.json()) as { version: { id: string; links: { href: string; rel: string }[] } };
      expect(version.id).toBe(v.id);
      expect(version.links.find((l) => l.rel === 'self')?.href).toBe(self.href);
    }
  });

  it('describes v2.1 with its range and media type, and echoes the negotiated version', async () => {
    const res = await get('/compute/v2.1/', { 'OpenStack-API-Version': 'compute 2.42' });
    expect(res.status).toBe(200);
    expect(res.headers.get('openstack-api-version')).toBe('compute 2.42');
    expect(res.headers.get('x-openstack-nova-api-version')).toBe('2.42');
    expect(res.headers.get('vary')).toContain('X-OpenStack-Nova-API-Version');
    expect(res.headers.get('x-compute-request-id')).toMatch(/^req-[0-9a-f-]{36}$/);
    expect(res.headers.get('x-openstack-request-id')).toBe(res.headers.get('x-compute-request-id'));
    const { version } = (await res.json()) as { version: Record<string, unknown> };
    expect(version).toMatchObject({
      id: 'v2.1',
      status: 'CURRENT',
      version: '2.103',
      min_version: '2.1',
      'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.compute+json;version=2.1' }],
    });
  });

  it('answers 2.1 without a version header, and the maximum for latest (legacy header echoed)', async () => {
    expect((await get('/compute/v2.1/')).headers.get('x-openstack-nova-api-version')).toBe('2.1');
    const latest = await get('/compute/v2.1/', { 'X-OpenStack-Nova-API-Version': 'latest' });
    expect(latest.headers.get('x-openstack-nova-api-version')).toBe('2.103');
    expect(latest.headers.get('openstack-api-version')).toBe('compute 2.103');
  });

  it('gives a different request id to every request', async () => {
    const [a, b] = await Promise.all([get('/compute/v2.1/'), get('/compute/v2.1/')]);
    expect(a.headers.get('x-compute-request-id')).not.toBe(b.headers.get('x-compute-request-id'));
  });
});

describe('compute version negotiation errors', () => {
  it('answers 400 badRequest for a malformed version', async () => {
    const res = await get('/compute/v2.1/', { 'OpenStack-API-Version': 'compute 2.x' });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      badRequest: { code: 400, message: 'API Version String 2.x is of invalid format. Must be of format MajorNum.MinorNum.' },
    });
  });

  it('answers 406 for a version out of range', async () => {
    const res = await get('/compute/v2.1/', { 'X-OpenStack-Nova-API-Version': '2.999' });
    expect(res.status).toBe(406);
    expect(await res.json()).toEqual({
      computeFault: { code: 406, message: 'Version 2.999 is not supported by the API. Minimum is 2.1 and maximum is 2.103.' },
    });
  });

  it('ignores version headers on the legacy /v2 endpoint', async () => {
    const res = await get('/compute/v2/', { 'X-OpenStack-Nova-API-Version': '2.999' });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-openstack-nova-api-version')).toBeNull();
  });
});

describe('faults for bad requests', () => {
  const post = (path: string, body: string, contentType = 'application/json') =>
    fetch(`${api.url}${path}`, { method: 'POST', headers: { 'Content-Type': contentType }, body });

  it('answers 401 for a resource without a token, as keystonemiddleware does', async () => {
    const res = await get('/compute/v2.1/flavors');
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Keystone uri="http://nova.test:8774/identity"');
  });

  it('answers 404 itemNotFound for an unknown resource, with or without a project id', async () => {
    const { token } = await tokenFor(api.db.pool, { project: 'p404', role: 'member' });
    for (const path of ['/compute/v2.1/no-such-thing', '/compute/v2.1/0123456789abcdef0123456789abcdef/no-such-thing']) {
      const res = await get(path, { 'X-Auth-Token': token });
      expect(res.status).toBe(404);
      expect(await res.json()).toEqual({ itemNotFound: { code: 404, message: 'The resource could not be found.' } });
      expect(res.headers.get('x-openstack-nova-api-version')).toBe('2.1');
    }
  });

  it('answers 400 for malformed JSON, never a 500', async () => {
    const res = await post('/compute/v2.1/servers', '{"server": ');
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ badRequest: { code: 400, message: 'Malformed request body' } });
  });

  it('reads a body sent as text/plain or without a type as JSON, as Nova does', async () => {
    const res = await post('/compute/v2.1/servers', '{"server": ', 'text/plain');
    expect(res.status).toBe(400); // parsed as JSON, and malformed
  });

  it('answers 415 for a body that is not JSON', async () => {
    const res = await post('/compute/v2.1/servers', 'name=x', 'application/x-www-form-urlencoded');
    expect(res.status).toBe(415);
    expect(await res.json()).toEqual({ badMediaType: { code: 415, message: 'Unsupported Content-Type' } });
  });

  it('answers 413 for a body over the size limit', async () => {
    const res = await post('/compute/v2.1/servers', JSON.stringify({ server: { name: 'x'.repeat(4096) } }));
    expect(res.status).toBe(413);
    expect(await res.json()).toEqual({ overLimit: { code: 413, message: 'Request is too large.' } });
  });

  it('answers 404 outside every service', async () => {
    const res = await get('/nothing-here');
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ itemNotFound: { code: 404, message: 'The resource could not be found.' } });
  });
});

describe('unknown query parameters', () => {
  it('are ignored before 2.102 and refused from 2.102, while known ones still pass', async () => {
    const { token } = await tokenFor(api.db.pool, { project: 'pquery', role: 'member' });
    const at = (version: string, path: string) => get(path, { 'X-Auth-Token': token, 'OpenStack-API-Version': `compute ${version}` });
    expect((await at('2.101', '/compute/v2.1/servers?colour=blue')).status).toBe(200);
    expect((await at('2.101', '/compute/v2.1/flavors?colour=blue')).status).toBe(200);
    for (const path of ['/compute/v2.1/servers?colour=blue', '/compute/v2.1/servers/detail?name=a&colour=blue', '/compute/v2.1/flavors?colour=blue']) {
      const res = await at('2.102', path);
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual({
        badRequest: { code: 400, message: "Invalid input for query parameters colour. Value: blue. Additional properties are not allowed ('colour' was unexpected)" },
      });
    }
    expect((await at('2.102', '/compute/v2.1/servers/detail?name=a&sort_key=display_name&sort_dir=asc&limit=5&vm_state=active')).status).toBe(200);
    expect((await at('latest', '/compute/v2.1/flavors?minRam=128&is_public=true')).status).toBe(200);
  });
});

describe('operations endpoints', () => {
  it('reports healthy when PostgreSQL and Temporal answer', async () => {
    const res = await get('/healthz');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok', checks: { postgres: 'ok', temporal: 'ok' } });
  });

  it('serves Prometheus metrics that count the requests answered', async () => {
    await get('/compute/v2.1/');
    const res = await get('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();
    expect(text).toMatch(/novaflow_api_requests_total\{method="GET",route="[^"]*",status="200"\} [1-9]/);
    expect(text).toContain('novaflow_process_cpu_seconds_total');
  });
});
