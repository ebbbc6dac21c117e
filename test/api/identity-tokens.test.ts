import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueToken, validateToken } from '../../activities/services/identity/tokens.ts';
import { startTestApi, TEST_SECRETS, type TestApi } from '../support/api.ts';

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi();
});
afterAll(() => api.stop());

const v3 = (path: string) => `${api.url}/identity/v3${path}`;

function passwordAuth(user: string, password: string, scope?: unknown) {
  return {
    auth: {
      identity: { methods: ['password'], password: { user: { name: user, domain: { name: 'Default' }, password } } },
      ...(scope === undefined ? {} : { scope }),
    },
  };
}

async function issue(body: unknown) {
  return fetch(v3('/auth/tokens'), { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
}

async function adminToken(): Promise<string> {
  const res = await issue(passwordAuth('admin', TEST_SECRETS.adminPassword, { project: { name: 'admin', domain: { id: 'default' } } }));
  expect(res.status).toBe(201);
  return res.headers.get('x-subject-token')!;
}

interface TokenBody {
  token: {
    methods: string[];
    user: { id: string; name: string; domain: { id: string; name: string } };
    project?: { id: string; name: string; domain: { id: string; name: string } };
    roles?: { id: string; name: string }[];
    catalog?: { type: string; endpoints: { interface: string; region: string; url: string }[] }[];
    expires_at: string;
    issued_at: string;
    audit_ids: string[];
  };
}

describe('identity version discovery', () => {
  it('answers 300 with v3 at the root and 200 at /v3', async () => {
    const root = await fetch(`${api.url}/identity/`);
    expect(root.status).toBe(300);
    const body = (await root.json()) as { versions: { values: { id: string; status: string; links: { href: string }[] }[] } };
    expect(body.versions.values[0]).toMatchObject({ id: 'v3.14', status: 'stable' });
    expect(body.versions.values[0]!.links[0]!.href).toBe('http://nova.test:8774/identity/v3/');
    const doc = await fetch(v3('/'));
    expect(doc.status).toBe(200);
    expect(((await doc.json()) as { version: { id: string } }).version.id).toBe('v3.14');
  });
});

describe('issuing tokens', () => {
  it('scopes a password token to a project by name and domain, with roles and the catalog', async () => {
    const res = await issue(passwordAuth('admin', TEST_SECRETS.adminPassword, { project: { name: 'admin', domain: { name: 'Default' } } }));
    expect(res.status).toBe(201);
    expect(res.headers.get('x-subject-token')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const { token } = (await res.json()) as TokenBody;
    expect(token.methods).toEqual(['password']);
    expect(token.user).toMatchObject({ name: 'admin', domain: { id: 'default', name: 'Default' } });
    expect(token.project).toMatchObject({ name: 'admin', domain: { id: 'default', name: 'Default' } });
    expect(token.roles!.map((r) => r.name).sort()).toEqual(['admin', 'member', 'reader']);
    const hours = (Date.parse(token.expires_at) - Date.parse(token.issued_at)) / 3_600_000;
    expect(hours).toBeCloseTo(24, 5);
    const types = token.catalog!.map((s) => s.type).sort();
    expect(types).toEqual(['block-storage', 'compute', 'identity', 'image', 'network', 'volumev3']);
    const compute = token.catalog!.find((s) => s.type === 'compute')!;
    expect(compute.endpoints.map((e) => e.interface).sort()).toEqual(['admin', 'internal', 'public']);
    expect(compute.endpoints[0]).toMatchObject({ region: 'RegionOne', url: 'http://nova.test:8774/compute/v2.1' });
    const volume = token.catalog!.find((s) => s.type === 'block-storage')!;
    expect(volume.endpoints[0]!.url).toBe(`http://nova.test:8774/volume/v3/${token.project!.id}`);
  });

  it('scopes by project id, and to the default project when no scope is asked for', async () => {
    const first = (await (await issue(passwordAuth('demo', TEST_SECRETS.demoPassword))).json()) as TokenBody;
    expect(first.token.project?.name).toBe('demo');
    expect(first.token.roles!.map((r) => r.name).sort()).toEqual(['member', 'reader']);
    const byId = await issue(passwordAuth('demo', TEST_SECRETS.demoPassword, { project: { id: first.token.project!.id } }));
    expect(byId.status).toBe(201);
  });

  it('issues an unscoped token without roles or catalog when asked', async () => {
    const res = await issue(passwordAuth('admin', TEST_SECRETS.adminPassword, 'unscoped'));
    expect(res.status).toBe(201);
    const { token } = (await res.json()) as TokenBody;
    expect(token.project).toBeUndefined();
    expect(token.roles).toBeUndefined();
    expect(token.catalog).toBeUndefined();
  });

  it('rescopes with the token method', async () => {
    const unscoped = (await issue(passwordAuth('admin', TEST_SECRETS.adminPassword, 'unscoped'))).headers.get('x-subject-token')!;
    const res = await issue({
      auth: { identity: { methods: ['token'], token: { id: unscoped } }, scope: { project: { name: 'demo', domain: { id: 'default' } } } },
    });
    expect(res.status).toBe(401); // admin has no role on demo
    const ok = await issue({
      auth: { identity: { methods: ['token'], token: { id: unscoped } }, scope: { project: { name: 'admin', domain: { id: 'default' } } } },
    });
    expect(ok.status).toBe(201);
    expect(((await ok.json()) as TokenBody).token.methods).toEqual(['token', 'password']);
  });

  it.each([
    ['a wrong password', passwordAuth('admin', 'nope')],
    ['an unknown user', passwordAuth('nobody', 'x')],
    ['a project without a role', passwordAuth('demo', TEST_SECRETS.demoPassword, { project: { name: 'admin', domain: { id: 'default' } } })],
    ['an unknown project', passwordAuth('admin', TEST_SECRETS.adminPassword, { project: { name: 'nope', domain: { id: 'default' } } })],
  ])('answers 401 for %s, with Keystone’s body', async (_what, body) => {
    const res = await issue(body);
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({
      error: { code: 401, title: 'Unauthorized', message: 'The request you have made requires authentication.' },
    });
  });

  it('answers 400 for a malformed request, never 500', async () => {
    for (const body of [{}, { auth: {} }, { auth: { identity: { methods: 'password' } } }, { auth: { identity: { methods: ['password'] } } }]) {
      const res = await issue(body);
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: { code: number } }).error.code).toBe(400);
    }
  });
});

describe('validating and revoking tokens', () => {
  it('validates a token for its owner and for an admin, and 404s for anyone else', async () => {
    const admin = await adminToken();
    const demo = (await issue(passwordAuth('demo', TEST_SECRETS.demoPassword))).headers.get('x-subject-token')!;
    const check = (caller: string, subject: string, method = 'GET') =>
      fetch(v3('/auth/tokens'), { method, headers: { 'X-Auth-Token': caller, 'X-Subject-Token': subject } });
    const byAdmin = await check(admin, demo);
    expect(byAdmin.status).toBe(200);
    expect(((await byAdmin.json()) as TokenBody).token.user.name).toBe('demo');
    expect((await check(demo, demo, 'HEAD')).status).toBe(200);
    expect((await check(demo, admin)).status).toBe(404);
  });

  it('revokes a token so that every service refuses it afterwards', async () => {
    const admin = await adminToken();
    const victim = await adminToken();
    const revoke = await fetch(v3('/auth/tokens'), { method: 'DELETE', headers: { 'X-Auth-Token': admin, 'X-Subject-Token': victim } });
    expect(revoke.status).toBe(204);
    const after = await fetch(v3('/projects'), { headers: { 'X-Auth-Token': victim } });
    expect(after.status).toBe(401);
    expect(after.headers.get('www-authenticate')).toBe('Keystone uri="http://nova.test:8774/identity"');
    expect((await fetch(v3('/projects'), { headers: { 'X-Auth-Token': admin } })).status).toBe(200);
  });

  it('refuses a token once it has expired', async () => {
    const user = await api.db.pool.query<{ id: string }>(`SELECT id FROM users WHERE name = 'demo'`);
    const project = await api.db.pool.query<{ id: string }>(`SELECT id FROM projects WHERE name = 'demo'`);
    const { token } = await issueToken(api.db.pool, {
      userId: user.rows[0]!.id,
      scope: { projectId: project.rows[0]!.id },
      methods: ['password'],
      ttlSeconds: 60,
    });
    expect(await validateToken(api.db.pool, token)).toBeDefined();
    expect(await validateToken(api.db.pool, token, new Date(Date.now() + 61_000))).toBeUndefined();
  });

  it('answers 401 without a token or with a made-up one', async () => {
    expect((await fetch(v3('/users'))).status).toBe(401);
    expect((await fetch(v3('/users'), { headers: { 'X-Auth-Token': 'made-up' } })).status).toBe(401);
  });
});
