/** Identity through the real openstack CLI: tokens, the catalog, and the admin calls Tempest-style set-ups use. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, TEST_SECRETS, type TestApi } from '../support/api.ts';
import { CliError, openstack, type CliUser } from '../support/openstack-cli.ts';

let api: TestApi;
const admin: CliUser = { username: 'admin', password: TEST_SECRETS.adminPassword, project: 'admin' };
const os = <T = unknown>(user: CliUser, ...args: string[]) => openstack<T>(api.url, user, args);

beforeAll(async () => {
  api = await startTestApi({ reachable: true });
});
afterAll(() => api.stop());

describe('openstack CLI against the identity service', () => {
  it('issues a token and lists the catalog', async () => {
    const token = await os<{ id: string; project_id: string; user_id: string; expires: string }>(admin, 'token', 'issue');
    expect(token.id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Date.parse(token.expires)).toBeGreaterThan(Date.now() + 23 * 3600_000);
    const catalog = await os<{ Name: string; Type: string }[]>(admin, 'catalog', 'list');
    expect(catalog.map((c) => c.Type).sort()).toEqual(['block-storage', 'compute', 'identity', 'image', 'network', 'volumev3']);
  });

  it('creates a project and a user, grants a role, and the new user logs in as a member', async () => {
    const project = await os<{ id: string; name: string; domain_id: string }>(admin, 'project', 'create', 'tenant-a');
    expect(project).toMatchObject({ name: 'tenant-a', domain_id: 'default' });
    const user = await os<{ id: string; name: string }>(admin, 'user', 'create', '--password', 's3cret', '--project', 'tenant-a', 'alice');
    expect(user.name).toBe('alice');
    await openstack(api.url, admin, ['role', 'add', '--project', 'tenant-a', '--user', 'alice', 'member'], false);
    const assignments = await os<{ Role: string; User: string; Project: string }[]>(admin, 'role', 'assignment', 'list', '--names', '--project', 'tenant-a');
    expect(assignments).toEqual([expect.objectContaining({ Role: 'member', User: 'alice@Default', Project: 'tenant-a@Default' })]);

    const alice: CliUser = { username: 'alice', password: 's3cret', project: 'tenant-a' };
    const token = await os<{ project_id: string; user_id: string }>(alice, 'token', 'issue');
    expect(token).toMatchObject({ project_id: project.id, user_id: user.id });
  });

  it('refuses admin calls to a member with Keystone’s 403', async () => {
    const demo: CliUser = { username: 'demo', password: TEST_SECRETS.demoPassword, project: 'demo' };
    const attempt = os(demo, 'project', 'create', 'not-allowed');
    await expect(attempt).rejects.toThrow(CliError);
    await expect(attempt).rejects.toThrow(/You are not authorized to perform the requested action: identity:create_project/);
  });

  it('removes what it created', async () => {
    await openstack(api.url, admin, ['role', 'remove', '--project', 'tenant-a', '--user', 'alice', 'member'], false);
    await openstack(api.url, admin, ['user', 'delete', 'alice'], false);
    await openstack(api.url, admin, ['project', 'delete', 'tenant-a'], false);
    const names = (await os<{ Name: string }[]>(admin, 'project', 'list')).map((p) => p.Name).sort();
    expect(names).toEqual(['admin', 'demo', 'service']);
  });
});
