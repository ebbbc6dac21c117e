/** Server actions through the API on fake hosts: power actions as workflows, lock, resetState, console output. */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tokenFor } from '../support/identity.ts';
import { startTestStack, type TestStack } from '../support/stack.ts';
import { computeClient } from '../support/compute-client.ts';

let stack: TestStack;
let member: string;
let other: string;
let admin: string;
let id: string;

const call = computeClient(() => stack.url);
const act = (token: string, body: unknown, version = '2.1') => call(token, 'POST', `/servers/${id}/action`, body, version);

async function waitFor(token: string, wanted: string, taskState: string | null = null) {
  for (let i = 0; i < 200; i++) {
    const s = (await call(token, 'GET', `/servers/${id}`)).body.server;
    if (s.status === wanted && s['OS-EXT-STS:task_state'] === taskState) return s;
    await sleep(50);
  }
  throw new Error(`server never reached ${wanted}`);
}

const taskStates = async () =>
  (await stack.db.pool.query<{ t: string | null }>(
    `SELECT payload->>'task_state' AS t FROM instance_events WHERE instance_uuid = $1 AND type = 'state' AND payload ? 'task_state' ORDER BY seq`, [id],
  )).rows.map((r) => r.t);

const lastAction = async (token = member) => {
  const actions = (await call(token, 'GET', `/servers/${id}/os-instance-actions`)).body.instanceActions;
  const newest = actions[0];
  const detail = (await call(token, 'GET', `/servers/${id}/os-instance-actions/${newest.request_id}`, undefined, '2.51')).body.instanceAction;
  return { action: detail.action, message: detail.message, events: detail.events.map((e: { event: string; result: string }) => [e.event, e.result]) };
};

beforeAll(async () => {
  stack = await startTestStack({ hosts: 1 });
  member = (await tokenFor(stack.db.pool, { project: 'acts', role: 'member' })).token;
  other = (await tokenFor(stack.db.pool, { project: 'acts-other', role: 'member' })).token;
  admin = (await tokenFor(stack.db.pool, { project: 'ops', role: 'admin' })).token;
  const image = (await stack.db.pool.query(`SELECT id::text FROM images WHERE name = 'cirros'`)).rows[0].id;
  id = (await call(member, 'POST', '/servers', { server: { name: 'acts', imageRef: image, flavorRef: '1', networks: 'none' } }, '2.37')).body.server.id;
  await waitFor(member, 'ACTIVE');
});
afterAll(() => stack.stop());

describe('power actions', () => {
  it('stops and starts, recording the action and its event', async () => {
    expect((await act(member, { 'os-stop': null })).status).toBe(202);
    const stopped = await waitFor(member, 'SHUTOFF');
    expect(stopped).toMatchObject({ 'OS-EXT-STS:vm_state': 'stopped', 'OS-EXT-STS:power_state': 4 });
    expect(await lastAction()).toEqual({ action: 'stop', message: null, events: [['compute_stop_instance', 'Success']] });

    const again = await act(member, { 'os-stop': null });
    expect(again).toMatchObject({ status: 409, body: { conflictingRequest: { code: 409, message: `Cannot 'stop' instance ${id} while it is in vm_state stopped` } } });

    expect((await act(member, { 'os-start': null })).status).toBe(202);
    expect(await waitFor(member, 'ACTIVE')).toMatchObject({ 'OS-EXT-STS:power_state': 1 });
  });

  it('reboots soft and hard through Nova’s task states', async () => {
    expect((await act(member, { reboot: { type: 'SOFT' } })).status).toBe(202);
    await waitFor(member, 'ACTIVE');
    expect((await taskStates()).slice(-4)).toEqual(['rebooting', 'reboot_pending', 'reboot_started', null]);
    await act(member, { 'os-stop': null });
    await waitFor(member, 'SHUTOFF');
    expect((await act(member, { reboot: { type: 'soft' } })).body.conflictingRequest.message).toBe(`Cannot 'reboot' instance ${id} while it is in vm_state stopped`);
    expect((await act(member, { reboot: { type: 'hard' } })).status).toBe(202);
    expect(await waitFor(member, 'ACTIVE')).toMatchObject({ 'OS-EXT-STS:power_state': 1 });
    expect((await taskStates()).slice(-4)).toEqual(['rebooting_hard', 'reboot_pending_hard', 'reboot_started_hard', null]);
    expect((await act(member, { reboot: { type: 'sideways' } })).status).toBe(400);
  });

  it('pauses and unpauses, suspends and resumes, refusing what the state does not allow', async () => {
    await act(member, { pause: null });
    expect(await waitFor(member, 'PAUSED')).toMatchObject({ 'OS-EXT-STS:power_state': 3 });
    expect((await act(member, { suspend: null })).body.conflictingRequest.message).toBe(`Cannot 'suspend' instance ${id} while it is in vm_state paused`);
    await act(member, { unpause: {} });
    await waitFor(member, 'ACTIVE');
    await act(member, { suspend: null });
    expect(await waitFor(member, 'SUSPENDED')).toMatchObject({ 'OS-EXT-STS:vm_state': 'suspended' });
    await act(member, { resume: null });
    await waitFor(member, 'ACTIVE');
    expect(await lastAction()).toMatchObject({ action: 'resume', events: [['compute_resume_instance', 'Success']] });
  });

  it('shows the console output from the host', async () => {
    const res = await act(member, { 'os-getConsoleOutput': { length: 50 } });
    expect(res.status).toBe(200);
    expect(res.body.output).toContain(`booted on ${stack.hosts[0]}`);
    expect(res.body.output).toContain('resumed');
    const last = await act(member, { 'os-getConsoleOutput': { length: 1 } });
    expect(last.body.output.trim().split('\n')).toHaveLength(1);
  });

  it('names the state that refuses an action on a server that never got a host', async () => {
    const image = (await stack.db.pool.query(`SELECT id::text FROM images WHERE name = 'cirros'`)).rows[0].id;
    const failed = (await call(member, 'POST', '/servers', { server: { name: 'too-big', imageRef: image, flavorRef: '5', networks: 'none' } }, '2.37')).body.server.id;
    for (let i = 0; i < 100 && (await call(member, 'GET', `/servers/${failed}`)).body.server.status !== 'ERROR'; i++) await sleep(50);
    expect((await call(member, 'POST', `/servers/${failed}/action`, { pause: null })).body.conflictingRequest.message).toBe(
      `Cannot 'pause' instance ${failed} while it is in vm_state error`,
    );
    expect((await call(member, 'POST', `/servers/${failed}/action`, { 'os-stop': null })).body.conflictingRequest.message).toBe(`Instance ${failed} is not ready`);
    await call(member, 'DELETE', `/servers/${failed}`);
  });

  it('answers 400 for an unknown action and 404 for another project’s server', async () => {
    expect(await act(member, { 'os-fly': null })).toMatchObject({ status: 400, body: { badRequest: { code: 400, message: 'There is no such action: os-fly' } } });
    expect((await act(other, { 'os-stop': null })).status).toBe(404);
  });
});

describe('Temporal Web', () => {
  it('finds every workflow of the server by its InstanceUuid, each naming its operation and host', async () => {
    let operations: string[] = [];
    for (let i = 0; i < 50 && !operations.includes('getConsoleOutput'); i++) {
      operations = [];
      for await (const wf of stack.temporal.client.workflow.list({ query: `InstanceUuid = '${id}'` })) {
        operations.push(String(wf.searchAttributes.Operation?.[0]));
        expect(wf.searchAttributes.Host?.[0]).toBe(stack.hosts[0]);
      }
      await sleep(200);
    }
    expect(new Set(operations)).toEqual(new Set(['create', 'stop', 'start', 'reboot', 'pause', 'unpause', 'suspend', 'resume', 'getConsoleOutput']));
  });
});

describe('lock and reset state', () => {
  it('refuses a locked server’s actions to members but not to admins, and shows the lock', async () => {
    expect((await act(member, { lock: { locked_reason: 'maintenance' } }, '2.73')).status).toBe(202);
    const shown = (await call(member, 'GET', `/servers/${id}`, undefined, '2.73')).body.server;
    expect(shown).toMatchObject({ locked: true, locked_reason: 'maintenance' });
    expect((await act(member, { 'os-stop': null })).body).toEqual({ conflictingRequest: { code: 409, message: `Instance ${id} is locked` } });
    expect((await call(member, 'DELETE', `/servers/${id}`)).body.conflictingRequest.message).toBe(`Instance ${id} is locked`);
    expect((await act(admin, { 'os-stop': null })).status).toBe(202);
    await waitFor(member, 'SHUTOFF');
    expect((await act(member, { unlock: null })).status).toBe(202);
    expect((await call(member, 'GET', `/servers/${id}`, undefined, '2.73')).body.server).toMatchObject({ locked: false, locked_reason: null });
    expect((await act(member, { lock: { locked_reason: 'x' } }, '2.72')).status).toBe(400);
  });

  it('keeps an admin’s lock from the owner', async () => {
    expect((await act(admin, { lock: null })).status).toBe(202);
    const refused = await act(member, { unlock: null });
    expect(refused).toMatchObject({ status: 403, body: { forbidden: { code: 403, message: "Policy doesn't allow os_compute_api:os-lock-server:unlock:unlock_override to be performed." } } });
    expect((await act(admin, { unlock: null })).status).toBe(202);
  });

  it('lets only admins reset the state', async () => {
    expect((await act(member, { 'os-resetState': { state: 'error' } })).status).toBe(403);
    expect((await act(admin, { 'os-resetState': { state: 'error' } })).status).toBe(202);
    expect(await waitFor(member, 'ERROR')).toMatchObject({ 'OS-EXT-STS:vm_state': 'error', 'OS-EXT-STS:task_state': null });
    expect((await act(admin, { 'os-resetState': { state: 'sleeping' } })).status).toBe(400);
    expect((await act(admin, { 'os-resetState': { state: 'active' } })).status).toBe(202);
    await waitFor(member, 'ACTIVE');
    expect((await lastAction(admin)).action).toBe('resetState');
  });
});
