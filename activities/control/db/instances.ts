/** Reading the instance projections: one server, lists with Nova's filters and paging, and instance actions. */
import type pg from 'pg';
import type { AttachedVolumeRecord, FlavorSnapshot } from '../instances/events.ts';

type Queryable = Pick<pg.Pool, 'query'>;

export interface InstanceRow {
  uuid: string;
  id: string;
  project_id: string;
  user_id: string;
  name: string;
  description: string | null;
  hostname: string | null;
  image_ref: string;
  flavor: FlavorSnapshot;
  key_name: string | null;
  user_data: string | null;
  metadata: Record<string, string>;
  tags: string[];
  availability_zone: string | null;
  config_drive: string;
  access_ip_v4: string;
  access_ip_v6: string;
  vm_state: string;
  task_state: string | null;
  power_state: number;
  host: string | null;
  node: string | null;
  reservation_id: string;
  launch_index: number;
  locked: boolean;
  locked_reason: string | null;
  locked_by: string | null;
  progress: number;
  fault: { code: number; message: string; details?: string; created: string } | null;
  addresses: Record<string, { version: number; addr: string; mac?: string }[]>;
  security_groups: { name: string }[];
  volumes_attached: AttachedVolumeRecord[];
  request_spec: Record<string, unknown>;
  launched_at: Date | null;
  terminated_at: Date | null;
  created_at: Date;
  updated_at: Date | null;
  deleted_at: Date | null;
  host_up: boolean | null;
}

const SELECT = `SELECT i.*, (s.state = 'up' AND NOT s.forced_down) AS host_up
  FROM instances i LEFT JOIN services s ON s.host = i.host AND s."binary" = 'nova-compute'`;

/** One instance that is not deleted; `projectId` limits it to a project (undefined for admins). */
export async function getInstance(db: Queryable, uuid: string, projectId?: string): Promise<InstanceRow | undefined> {
  if (!/^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i.test(uuid)) return undefined;
  const result = await db.query<InstanceRow>(
    `${SELECT} WHERE i.uuid = $1 AND i.deleted_at IS NULL AND ($2::text IS NULL OR i.project_id = $2)`,
    [uuid, projectId ?? null],
  );
  return result.rows[0];
}

export interface InstanceFilter {
  projectId?: string;
  name?: string;
  vmStates?: string[];
  image?: string;
  flavor?: string;
  host?: string;
  ip?: string;
  reservationId?: string;
  /** Tag filters (2.26): all of `tags`, any of `tagsAny`, not all of `notTags`, none of `notTagsAny`. */
  tags?: string[];
  tagsAny?: string[];
  notTags?: string[];
  notTagsAny?: string[];
  changesSince?: Date;
  includeDeleted: boolean;
  sortKey: string;
  sortDir: 'asc' | 'desc';
  limit: number;
  marker?: string;
}

const SORT_KEYS: Record<string, string> = {
  created_at: 'created_at', updated_at: 'updated_at', display_name: 'name', hostname: 'hostname', uuid: 'uuid',
  vm_state: 'vm_state', task_state: 'task_state', power_state: 'power_state', launched_at: 'launched_at',
  terminated_at: 'terminated_at', availability_zone: 'availability_zone', host: 'host', node: 'node', key_name: 'key_name',
  image_ref: 'image_ref', project_id: 'project_id', user_id: 'user_id', launch_index: 'launch_index',
  instance_type_id: 'id', locked: 'locked', display_description: 'description', access_ip_v4: 'access_ip_v4',
  access_ip_v6: 'access_ip_v6', config_drive: 'config_drive', reservation_id: 'reservation_id', progress: 'progress',
};

export function validSortKey(key: string): boolean {
  return key in SORT_KEYS;
}

export class MarkerNotFound extends Error {}

export async function listInstances(db: Queryable, f: InstanceFilter): Promise<InstanceRow[]> {
  const where: string[] = [];
  const args: unknown[] = [];
  const arg = (v: unknown) => `$${args.push(v)}`;
  if (!f.includeDeleted) where.push('i.deleted_at IS NULL');
  if (f.changesSince) where.push(`i.updated_at >= ${arg(f.changesSince)}`);
  if (f.projectId !== undefined) where.push(`i.project_id = ${arg(f.projectId)}`);
  if (f.name !== undefined) where.push(`i.name ~ ${arg(f.name)}`);
  if (f.vmStates) where.push(`i.vm_state = ANY(${arg(f.vmStates)})`);
  if (f.image !== undefined) where.push(`i.image_ref = ${arg(f.image)}`);
  if (f.flavor !== undefined) where.push(`i.flavor->>'flavorid' = ${arg(f.flavor)}`);
  if (f.host !== undefined) where.push(`i.host = ${arg(f.host)}`);
  if (f.reservationId !== undefined) where.push(`i.reservation_id = ${arg(f.reservationId)}`);
  if (f.tags) where.push(`i.tags @> ${arg(f.tags)}::text[]`);
  if (f.tagsAny) where.push(`i.tags && ${arg(f.tagsAny)}::text[]`);
  if (f.notTags) where.push(`NOT (i.tags @> ${arg(f.notTags)}::text[])`);
  if (f.notTagsAny) where.push(`NOT (i.tags && ${arg(f.notTagsAny)}::text[])`);
  if (f.ip !== undefined) {
    where.push(`EXISTS (SELECT 1 FROM jsonb_each(i.addresses) n, jsonb_array_elements(n.value) a WHERE a->>'addr' ~ ${arg(f.ip)})`);
  }
  const column = SORT_KEYS[f.sortKey] ?? 'created_at';
  const dir = f.sortDir === 'asc' ? 'ASC' : 'DESC';
  if (f.marker !== undefined) {
    const marker = await db.query(`SELECT ${column} AS v, id FROM instances WHERE uuid::text = $1`, [f.marker]);
    if (!marker.rows[0]) throw new MarkerNotFound(f.marker);
    where.push(`(i.${column}, i.id) ${dir === 'ASC' ? '>' : '<'} (${arg(marker.rows[0].v)}, ${arg(marker.rows[0].id)})`);
  }
  const result = await db.query<InstanceRow>(
    `${SELECT} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY i.${column} ${dir} NULLS LAST, i.id ${dir} LIMIT ${arg(f.limit)}`,
    args,
  );
  return result.rows;
}

export interface ActionRow {
  id: string;
  action: string;
  instance_uuid: string;
  request_id: string;
  user_id: string | null;
  project_id: string | null;
  start_time: Date;
  finish_time: Date | null;
  message: string | null;
  updated_at: Date | null;
  workflow_id: string | null;
}

export async function listActions(db: Queryable, uuid: string): Promise<ActionRow[]> {
  const result = await db.query<ActionRow>('SELECT * FROM instance_actions WHERE instance_uuid = $1 ORDER BY start_time DESC, id DESC', [uuid]);
  return result.rows;
}

export async function getAction(db: Queryable, uuid: string, requestId: string) {
  const action = await db.query<ActionRow>('SELECT * FROM instance_actions WHERE instance_uuid = $1 AND request_id = $2', [uuid, requestId]);
  if (!action.rows[0]) return undefined;
  const events = await db.query<{ event: string; start_time: Date; finish_time: Date | null; result: string | null; traceback: string | null; host: string | null; details: string | null }>(
    'SELECT event, start_time, finish_time, result, traceback, host, details FROM instance_action_events WHERE action_id = $1 ORDER BY id',
    [action.rows[0].id],
  );
  return { action: action.rows[0], events: events.rows };
}
