import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allocateInstanceId, appendEvents, rebuildProjections, StateConflict } from '../../activities/control/instances/store.ts';
import { freshDatabase, type TestDatabase } from '../support/database.ts';
import { newInstance } from '../support/instances.ts';

let db: TestDatabase;
beforeAll(async () => {
  db = await freshDatabase();
});
afterAll(() => db.drop());

async function snapshot() {
  const instances = await db.pool.query('SELECT * FROM instances ORDER BY uuid');
  const actions = await db.pool.query('SELECT instance_uuid, action, request_id, workflow_id, start_time, finish_time, message FROM instance_actions ORDER BY instance_uuid, start_time');
  const events = await db.pool.query(
    `SELECT a.request_id, e.event, e.start_time, e.finish_time, e.result, e.host FROM instance_action_events e
       JOIN instance_actions a ON a.id = e.action_id ORDER BY a.request_id, e.event`,
  );
  return { instances: instances.rows, actions: actions.rows, events: events.rows };
}

describe('instance events on real PostgreSQL', () => {
  it('project a build into the instance row and its action, and rebuild the same projections from the events', async () => {
    for (let n = 0; n < 3; n++) {
      const i = newInstance(await allocateInstanceId(db.pool));
      const req = `req-${i.uuid}`;
      await appendEvents(db.pool, i.uuid, [
        { type: 'requested', instance: i },
        { type: 'action_started', action: 'create', request_id: req, user_id: 'u1', project_id: 'p1', workflow_id: `instance-${i.uuid}-create` },
      ]);
      await appendEvents(db.pool, i.uuid, [{ type: 'action_event_started', request_id: req, event: 'compute__do_build_and_run_instance', host: 'h1' }]);
      await appendEvents(db.pool, i.uuid, [{ type: 'scheduled', host: 'h1', node: 'h1' }, { type: 'state', task_state: 'networking' }]);
      await appendEvents(db.pool, i.uuid, [{ type: 'networked', addresses: { private: [{ version: 4, addr: `10.0.0.${n + 2}` }] } }]);
      if (n === 2) {
        await appendEvents(db.pool, i.uuid, [{ type: 'failed', fault: { code: 500, message: 'No valid host was found.' } }]);
      } else {
        await appendEvents(db.pool, i.uuid, [
          { type: 'state', task_state: 'spawning' },
          { type: 'spawned' },
          { type: 'action_event_finished', request_id: req, event: 'compute__do_build_and_run_instance', result: 'Success' },
          { type: 'action_finished', request_id: req },
        ]);
      }
    }
    const before = await snapshot();
    expect(before.instances.map((r) => r.vm_state).sort()).toEqual(['active', 'active', 'error']);
    const active = before.instances.find((r) => r.vm_state === 'active')!;
    expect(active).toMatchObject({ task_state: null, power_state: 1, host: 'h1', seq: '10' });
    expect(active.launched_at).toBeInstanceOf(Date);
    const failed = before.instances.find((r) => r.vm_state === 'error')!;
    expect(failed.fault).toMatchObject({ code: 500, message: 'No valid host was found.' });
    expect(before.events.filter((e) => e.result === 'Success')).toHaveLength(2);

    await db.pool.query('UPDATE instances SET vm_state = $1', ['scrambled']);
    await db.pool.query('DELETE FROM instance_actions');
    expect(await rebuildProjections(db.pool)).toBe(10 + 10 + 7);
    expect(await snapshot()).toEqual(before);
  });

  it('rebuild metadata, tags, locks and volumes changed after the build from their events', async () => {
    const i = newInstance(await allocateInstanceId(db.pool), { metadata: { a: '1' }, tags: ['x'] });
    await appendEvents(db.pool, i.uuid, [{ type: 'requested', instance: i }, { type: 'scheduled', host: 'h1', node: 'h1' }, { type: 'spawned' }]);
    await appendEvents(db.pool, i.uuid, [{ type: 'metadata_set', items: { b: '2', c: '3' }, replace: false }]);
    await appendEvents(db.pool, i.uuid, [{ type: 'metadata_deleted', key: 'a' }]);
    await appendEvents(db.pool, i.uuid, [{ type: 'tag_added', tag: 'y' }, { type: 'tag_added', tag: 'y' }, { type: 'tag_removed', tag: 'x' }]);
    await appendEvents(db.pool, i.uuid, [{ type: 'lock', locked: true, locked_by: 'admin', reason: 'audit' }]);
    await appendEvents(db.pool, i.uuid, [
      { type: 'volumes_attached', volumes: [{ id: 'v1', delete_on_termination: true, device: 'vdb' }] },
      { type: 'volume_attached', volume: { id: 'v2', delete_on_termination: false, device: 'vdc' } },
      { type: 'volume_detached', volume_id: 'v1' },
    ]);
    const row = async () => (await db.pool.query('SELECT metadata, tags, locked, locked_by, locked_reason, volumes_attached FROM instances WHERE uuid = $1', [i.uuid])).rows[0];
    const before = await row();
    expect(before).toEqual({
      metadata: { b: '2', c: '3' }, tags: ['y'], locked: true, locked_by: 'admin', locked_reason: 'audit',
      volumes_attached: [{ id: 'v2', delete_on_termination: false, device: 'vdc' }],
    });
    await db.pool.query(`UPDATE instances SET metadata = '{}', tags = '{}', locked = false, volumes_attached = '[]' WHERE uuid = $1`, [i.uuid]);
    await rebuildProjections(db.pool);
    expect(await row()).toEqual(before);
  });

  it('refuse a change the instance is not in the state for, with what it is in', async () => {
    const i = newInstance(await allocateInstanceId(db.pool));
    await appendEvents(db.pool, i.uuid, [{ type: 'requested', instance: i }]);
    const attempt = appendEvents(db.pool, i.uuid, [{ type: 'state', task_state: 'rebooting' }], { expect: { vmStates: ['active'], taskStates: [null] } });
    await expect(attempt).rejects.toBeInstanceOf(StateConflict);
    await expect(attempt).rejects.toMatchObject({ vmState: 'building', taskState: 'scheduling' });
  });

  it('append a retried step once', async () => {
    const i = newInstance(await allocateInstanceId(db.pool));
    await appendEvents(db.pool, i.uuid, [{ type: 'requested', instance: i }]);
    const first = await appendEvents(db.pool, i.uuid, [{ type: 'state', task_state: 'networking' }], { idemKey: 'wf-1:networking' });
    const again = await appendEvents(db.pool, i.uuid, [{ type: 'state', task_state: 'networking' }], { idemKey: 'wf-1:networking' });
    expect(first).toEqual({ seq: 2, appended: true });
    expect(again).toEqual({ seq: 2, appended: false });
  });
});
