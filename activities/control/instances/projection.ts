/**
 * Applies one instance event to the projections: the `instances` row, `instance_actions` and
 * `instance_action_events`. Runs in the transaction that appends the event, and again, in order, when the
 * projections are rebuilt from the events; it reads nothing but the event and the rows it updates.
 */
import type pg from 'pg';
import type { InstanceEvent } from './events.ts';

type Client = Pick<pg.PoolClient, 'query'>;

/** The migration columns a `migration_updated` event may set (its keys name them). */
const MIGRATION_COLUMNS = new Set([
  'status', 'workflow_id', 'dest_compute', 'dest_node', 'dest_host', 'memory_total', 'memory_processed', 'memory_remaining',
  'disk_total', 'disk_processed', 'disk_remaining',
]);

export async function project(db: Client, uuid: string, seq: number, event: InstanceEvent, at: Date): Promise<void> {
  const touch = (sets: string, args: unknown[]) =>
    db.query(`UPDATE instances SET ${sets}${sets ? ', ' : ''}seq = $2, updated_at = $3 WHERE uuid = $1`, [uuid, seq, at, ...args]);
  switch (event.type) {
    case 'requested': {
      const i = event.instance;
      await db.query(
        `INSERT INTO instances (uuid, id, seq, project_id, user_id, name, description, hostname, image_ref, flavor, key_name,
           key_data, user_data, metadata, tags, availability_zone, config_drive, access_ip_v4, access_ip_v6, vm_state,
           task_state, power_state, reservation_id, launch_index, security_groups, request_spec, created_at)
         VALUES ($1, $24, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, 'building', 'scheduling', 0,
           $19, $20, $21, $22, $23)`,
        [uuid, seq, i.project_id, i.user_id, i.name, i.description, i.hostname, i.image_ref, JSON.stringify(i.flavor),
          i.key_name, i.key_data, i.user_data, JSON.stringify(i.metadata), i.tags, i.availability_zone, i.config_drive,
          i.access_ip_v4, i.access_ip_v6, i.reservation_id, i.launch_index, JSON.stringify(i.security_groups),
          JSON.stringify(i.request_spec), at, i.id],
      );
      return;
    }
    case 'state': {
      const sets: string[] = [];
      const args: unknown[] = [];
      const set = (column: string, value: unknown) => sets.push(`${column} = $${args.push(value) + 3}`);
      if (event.vm_state !== undefined) set('vm_state', event.vm_state);
      if (event.task_state !== undefined) set('task_state', event.task_state);
      if (event.power_state !== undefined) set('power_state', event.power_state);
      if (event.progress !== undefined) set('progress', event.progress);
      await touch(sets.join(', '), args);
      return;
    }
    case 'scheduled':
      await touch('host = $4, node = $5', [event.host, event.node]);
      return;
    case 'networked':
      await touch('addresses = $4', [JSON.stringify(event.addresses)]);
      return;
    case 'spawned':
      await touch(`vm_state = 'active', task_state = NULL, power_state = 1, progress = 0, launched_at = $3, fault = NULL`, []);
      return;
    case 'volumes_attached':
      await touch('volumes_attached = $4', [JSON.stringify(event.volumes)]);
      return;
    case 'volume_attached':
      await touch(
        `volumes_attached = (SELECT COALESCE(jsonb_agg(v), '[]') FROM jsonb_array_elements(volumes_attached) v WHERE v->>'id' <> $5) || jsonb_build_array($4::jsonb)`,
        [JSON.stringify(event.volume), event.volume.id],
      );
      return;
    case 'volume_detached':
      await touch(`volumes_attached = (SELECT COALESCE(jsonb_agg(v), '[]') FROM jsonb_array_elements(volumes_attached) v WHERE v->>'id' <> $4)`, [event.volume_id]);
      return;
    case 'failed':
      await touch(`vm_state = 'error', task_state = NULL, fault = $4`, [JSON.stringify({ ...event.fault, created: at.toISOString() })]);
      return;
    case 'flavor_changed':
      await touch('flavor = $4', [JSON.stringify(event.flavor)]);
      return;
    case 'migration_started': {
      const m = event.migration;
      await touch('', []);
      await db.query(
        `INSERT INTO migrations (id, uuid, instance_uuid, migration_type, status, source_compute, source_node, dest_compute, dest_node,
           dest_host, old_flavor, new_flavor, old_instance_type_id, new_instance_type_id, user_id, project_id, workflow_id, created_at, old_vm_state)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19) ON CONFLICT (uuid) DO NOTHING`,
        [m.id, m.uuid, uuid, m.migration_type, m.status, m.source_compute, m.source_node, m.dest_compute, m.dest_node, m.dest_host,
          JSON.stringify(m.old_flavor), JSON.stringify(m.new_flavor), m.old_flavor.id ?? null, m.new_flavor.id ?? null, m.user_id,
          m.project_id, m.workflow_id, at, m.old_vm_state],
      );
      return;
    }
    case 'migration_updated': {
      await touch('', []);
      const sets: string[] = [];
      const args: unknown[] = [event.uuid, at];
      for (const [column, value] of Object.entries(event.changes)) {
        if (value !== undefined && MIGRATION_COLUMNS.has(column)) sets.push(`${column} = $${args.push(value)}`);
      }
      await db.query(`UPDATE migrations SET ${[...sets, 'updated_at = $2'].join(', ')} WHERE uuid = $1`, args);
      return;
    }
    case 'updated': {
      const c = event.changes;
      await touch(
        `name = COALESCE($4, name), description = CASE WHEN $5 THEN $6 ELSE description END, metadata = COALESCE($7, metadata)`,
        [c.name ?? null, 'description' in c, c.description ?? null, c.metadata ? JSON.stringify(c.metadata) : null],
      );
      return;
    }
    case 'lock':
      await touch('locked = $4, locked_by = $5, locked_reason = $6', [event.locked, event.locked ? (event.locked_by ?? null) : null, event.locked ? (event.reason ?? null) : null]);
      return;
    case 'metadata_set':
      await touch(event.replace ? 'metadata = $4::jsonb' : 'metadata = metadata || $4::jsonb', [JSON.stringify(event.items)]);
      return;
    case 'metadata_deleted':
      await touch('metadata = metadata - $4::text', [event.key]);
      return;
    case 'tags_set':
      await touch('tags = $4', [event.tags]);
      return;
    case 'tag_added':
      await touch('tags = CASE WHEN $4 = ANY(tags) THEN tags ELSE array_append(tags, $4) END', [event.tag]);
      return;
    case 'tag_removed':
      await touch('tags = array_remove(tags, $4)', [event.tag]);
      return;
    case 'deleted':
      await touch(`vm_state = 'deleted', task_state = NULL, power_state = 0, deleted_at = $3, terminated_at = $3`, []);
      return;
    case 'action_started':
      await touch('', []);
      await db.query(
        `INSERT INTO instance_actions (instance_uuid, action, request_id, user_id, project_id, workflow_id, start_time, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $7) ON CONFLICT (instance_uuid, request_id) DO NOTHING`,
        [uuid, event.action, event.request_id, event.user_id, event.project_id, event.workflow_id, at],
      );
      return;
    case 'action_event_started':
      await touch('', []);
      await db.query(
        `INSERT INTO instance_action_events (action_id, event, start_time, host)
         SELECT id, $3, $4, $5 FROM instance_actions WHERE instance_uuid = $1 AND request_id = $2`,
        [uuid, event.request_id, event.event, at, event.host ?? null],
      );
      await db.query('UPDATE instance_actions SET updated_at = $3 WHERE instance_uuid = $1 AND request_id = $2', [uuid, event.request_id, at]);
      return;
    case 'action_event_finished':
      await touch('', []);
      await db.query(
        `UPDATE instance_action_events SET finish_time = $4, result = $5, traceback = $6, details = $7
          WHERE id = (SELECT max(e.id) FROM instance_action_events e JOIN instance_actions a ON a.id = e.action_id
                       WHERE a.instance_uuid = $1 AND a.request_id = $2 AND e.event = $3 AND e.finish_time IS NULL)`,
        [uuid, event.request_id, event.event, at, event.result, event.traceback ?? null, event.details ?? null],
      );
      if (event.result === 'Error') {
        await db.query(`UPDATE instance_actions SET message = 'Error', updated_at = $3 WHERE instance_uuid = $1 AND request_id = $2`, [uuid, event.request_id, at]);
      }
      return;
    case 'action_finished':
      await touch('', []);
      await db.query(
        `UPDATE instance_actions SET finish_time = $3, updated_at = $3, message = COALESCE($4, message) WHERE instance_uuid = $1 AND request_id = $2`,
        [uuid, event.request_id, at, event.message ?? null],
      );
      return;
  }
}
