/**
 * The move acceptance through the real openstack CLI on fake hosts: resize with confirm and revert, cold
 * migration, live migration, and evacuation from a host forced down.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_SECRETS } from '../support/api.ts';
import { openstack, type CliUser } from '../support/openstack-cli.ts';
import { startTestStack, type TestStack } from '../support/stack.ts';

let stack: TestStack;
const admin: CliUser = { username: 'admin', password: TEST_SECRETS.adminPassword, project: 'admin' };
const demo: CliUser = { username: 'demo', password: TEST_SECRETS.demoPassword, project: 'demo' };
const os_ = <T = unknown>(user: CliUser, ...args: string[]) => openstack<T>(stack.url, user, args);
const quiet = (user: CliUser, ...args: string[]) => openstack(stack.url, user, args, false);

type Server = { id: string; status: string; flavor: string; 'OS-EXT-SRV-ATTR:host': string };

/** The hosts holding the server's resources, and which consumer holds them there. */
async function holders(id: string): Promise<string[]> {
  const rows = await stack.db.pool.query(
    `SELECT rp.host || ':' || CASE WHEN a.consumer_id = $1 THEN 'instance' ELSE 'migration' END AS h
       FROM allocations a JOIN resource_providers rp ON rp.id = a.resource_provider_id
      WHERE a.consumer_id = $1 OR a.consumer_id IN (SELECT uuid FROM migrations WHERE instance_uuid = $1) ORDER BY 1`,
    [id],
  );
  return rows.rows.map((r) => r.h);
}

let id: string;
const show = () => os_<Server>(admin, 'server', 'show', id);
/** The server once its status is `status` and no task runs (a confirm answers before its workflow has ended). */
async function settled(status: string, allocations = 1): Promise<Server> {
  for (let i = 0; i < 60; i++) {
    const s = await os_<Server & { 'OS-EXT-STS:task_state': string | null }>(admin, 'server', 'show', id);
    if (s.status === status && !s['OS-EXT-STS:task_state'] && (await holders(id)).length === allocations) return s;
  }
  throw new Error(`server never settled in ${status}`);
}

beforeAll(async () => {
  stack = await startTestStack({ reachable: true, hosts: 3 });
  id = (await os_<Server>(demo, 'server', 'create', '--image', 'cirros', '--flavor', 'm1.tiny', '--network', 'private', '--wait', 'mover')).id;
});
afterAll(() => stack?.stop());

describe('openstack server resize, migrate and evacuate', () => {
  it('resize --wait → VERIFY_RESIZE; confirm → ACTIVE on the new flavor, the old host freed', async () => {
    const before = (await show())['OS-EXT-SRV-ATTR:host'];
    await quiet(demo, 'server', 'resize', '--flavor', 'm1.medium', '--wait', 'mover');
    const resized = await show();
    expect(resized.status).toBe('VERIFY_RESIZE');
    expect(await holders(id)).toEqual([`${before}:migration`, `${resized['OS-EXT-SRV-ATTR:host']}:instance`].sort());
    await quiet(demo, 'server', 'resize', 'confirm', 'mover');
    const confirmed = await settled('ACTIVE');
    expect(JSON.stringify(confirmed.flavor)).toContain('m1.medium');
    expect(await holders(id)).toEqual([`${confirmed['OS-EXT-SRV-ATTR:host']}:instance`]);
  });

  it('resize revert returns to the old flavor and host', async () => {
    const before = (await show())['OS-EXT-SRV-ATTR:host'];
    await quiet(demo, 'server', 'resize', '--flavor', 'm1.large', '--wait', 'mover');
    expect((await show()).status).toBe('VERIFY_RESIZE');
    await quiet(demo, 'server', 'resize', 'revert', 'mover');
    const s = await settled('ACTIVE');
    expect(s).toMatchObject({ status: 'ACTIVE', 'OS-EXT-SRV-ATTR:host': before });
    expect(JSON.stringify(s.flavor)).toContain('m1.medium');
    expect(await holders(id)).toEqual([`${before}:instance`]);
  });

  it('migrate --wait and confirm; then a live migration to another host', async () => {
    const first = (await show())['OS-EXT-SRV-ATTR:host'];
    await quiet(admin, 'server', 'migrate', '--wait', id);
    const migrated = await show();
    expect(migrated.status).toBe('VERIFY_RESIZE');
    expect(migrated['OS-EXT-SRV-ATTR:host']).not.toBe(first);
    await quiet(admin, 'server', 'resize', 'confirm', id);
    await settled('ACTIVE');

    const second = (await show())['OS-EXT-SRV-ATTR:host'];
    await quiet(admin, 'server', 'migrate', '--live-migration', '--wait', id);
    const live = await show();
    expect(live.status).toBe('ACTIVE');
    expect(live['OS-EXT-SRV-ATTR:host']).not.toBe(second);
    const migrations = await os_<{ Type: string; Status: string }[]>(admin, 'server', 'migration', 'list', '--server', id);
    expect(migrations.map((m) => [m.Type, m.Status])).toEqual([
      ['live-migration', 'completed'], ['migration', 'confirmed'], ['resize', 'reverted'], ['resize', 'confirmed'],
    ]);
  });

  it('compute service set --down, then server evacuate → ACTIVE elsewhere', async () => {
    const dead = (await show())['OS-EXT-SRV-ATTR:host'];
    await quiet(admin, 'compute', 'service', 'set', '--down', dead, 'nova-compute');
    // Not --wait: openstackclient 10.5 waits for 'ACTIVE' against a lowercased status and never stops.
    await quiet(admin, '--os-compute-api-version', '2.94', 'server', 'evacuate', id);
    const s = await settled('ACTIVE', 2); // the dead host's allocation stays until it returns
    expect(s['OS-EXT-SRV-ATTR:host']).not.toBe(dead);
    await quiet(admin, 'compute', 'service', 'set', '--up', dead, 'nova-compute');
  });
});
