/** Flavor properties (extra specs) and private-flavor access through the real openstack CLI. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, TEST_SECRETS, type TestApi } from '../support/api.ts';
import { openstack, type CliUser } from '../support/openstack-cli.ts';

let api: TestApi;
const admin: CliUser = { username: 'admin', password: TEST_SECRETS.adminPassword, project: 'admin' };
const demo: CliUser = { username: 'demo', password: TEST_SECRETS.demoPassword, project: 'demo' };
type Row = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

beforeAll(async () => {
  api = await startTestApi({ reachable: true });
});
afterAll(() => api.stop());

const as = <T = Row>(user: CliUser, ...args: string[]) => openstack<T>(api.url, user, args);
const quiet = (user: CliUser, ...args: string[]) => openstack(api.url, user, args, false);

describe('openstack flavor with properties and projects', () => {
  it('creates a private flavor with properties, changes them, and shares it with a project', async () => {
    const created = await as(admin, 'flavor', 'create', '--private', '--ram', '2048', '--vcpus', '2', '--disk', '20', '--property', 'hw:cpu_policy=dedicated', 'pinned');
    expect(created).toMatchObject({ name: 'pinned', 'os-flavor-access:is_public': false, properties: { 'hw:cpu_policy': 'dedicated' } });

    await quiet(admin, 'flavor', 'set', '--property', 'hw:mem_page_size=large', 'pinned');
    await quiet(admin, 'flavor', 'unset', '--property', 'hw:cpu_policy', 'pinned');
    expect((await as(admin, 'flavor', 'show', 'pinned')).properties).toEqual({ 'hw:mem_page_size': 'large' });

    const demoProject = (await as(admin, 'project', 'show', 'demo')).id as string;
    await expect(as(demo, 'flavor', 'show', 'pinned')).rejects.toThrow();
    await quiet(admin, 'flavor', 'set', '--project', 'demo', 'pinned');
    expect((await as(demo, 'flavor', 'show', 'pinned')).name).toBe('pinned');
    expect((await as<Row[]>(demo, 'flavor', 'list', '--all')).map((f) => f.Name)).toContain('pinned');
    expect((await as(admin, 'flavor', 'show', 'pinned')).access_project_ids).toEqual([demoProject]);
    await quiet(admin, 'flavor', 'unset', '--project', 'demo', 'pinned');
    await expect(as(demo, 'flavor', 'show', 'pinned')).rejects.toThrow();
  }, 240_000); // a dozen CLI runs of 1–3 s each on two busy cores
});
