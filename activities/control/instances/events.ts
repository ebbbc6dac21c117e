/** The instance domain events: every state change of an instance is one of these, appended in order. */

export interface Fault {
  code: number;
  message: string;
  details?: string;
}

export interface FlavorSnapshot {
  /** The flavor's internal id (Nova's instance_type_id), when known. */
  id?: number;
  flavorid: string;
  name: string;
  memory_mb: number;
  vcpus: number;
  root_gb: number;
  ephemeral_gb: number;
  swap: number;
  extra_specs: Record<string, string>;
}

export interface AttachedVolumeRecord {
  id: string;
  delete_on_termination: boolean;
  /** Guest device (vda, vdb, ...). */
  device?: string;
  attachment_id?: string;
  tag?: string | null;
}

export type MigrationType = 'resize' | 'migration' | 'live-migration' | 'evacuation';

/** A migration of the instance, as first recorded (Nova's migration record). */
export interface MigrationRecord {
  /** Integer id (from `allocateMigrationId`), kept in the event so a rebuild gives the same ids. */
  id: number;
  uuid: string;
  migration_type: MigrationType;
  status: string;
  source_compute: string | null;
  source_node: string | null;
  dest_compute: string | null;
  dest_node: string | null;
  dest_host: string | null;
  old_flavor: FlavorSnapshot;
  new_flavor: FlavorSnapshot;
  user_id: string | null;
  project_id: string | null;
  workflow_id: string | null;
  /** The instance's vm_state when the move began (a confirm or revert returns to it). */
  old_vm_state: string;
}

/** What a later step changes on a migration: its status, the destination once chosen, live progress. */
export interface MigrationChanges {
  status?: string;
  /** The workflow now carrying the migration (a confirm or revert after the resize). */
  workflow_id?: string;
  dest_compute?: string | null;
  dest_node?: string | null;
  dest_host?: string | null;
  memory_total?: number;
  memory_processed?: number;
  memory_remaining?: number;
  disk_total?: number;
  disk_processed?: number;
  disk_remaining?: number;
}

export interface NewInstance {
  uuid: string;
  /** Internal id from `allocateInstanceId`; names the domain. */
  id: number;
  project_id: string;
  user_id: string;
  name: string;
  description: string | null;
  hostname: string | null;
  image_ref: string;
  flavor: FlavorSnapshot;
  key_name: string | null;
  key_data: string | null;
  user_data: string | null;
  metadata: Record<string, string>;
  tags: string[];
  availability_zone: string | null;
  config_drive: string;
  access_ip_v4: string;
  access_ip_v6: string;
  reservation_id: string;
  launch_index: number;
  security_groups: { name: string }[];
  request_spec: Record<string, unknown>;
}

export type InstanceEvent =
  | { type: 'requested'; instance: NewInstance }
  | { type: 'state'; vm_state?: string; task_state?: string | null; power_state?: number; progress?: number }
  | { type: 'scheduled'; host: string | null; node: string | null }
  | { type: 'networked'; addresses: Record<string, unknown[]> }
  | { type: 'spawned' }
  /** The volumes the instance was built with (the whole list). */
  | { type: 'volumes_attached'; volumes: AttachedVolumeRecord[] }
  /** One more volume, attached to the running instance. */
  | { type: 'volume_attached'; volume: AttachedVolumeRecord }
  | { type: 'volume_detached'; volume_id: string }
  | { type: 'failed'; fault: Fault }
  /** The instance now runs with this flavor (a resize finished or was reverted). */
  | { type: 'flavor_changed'; flavor: FlavorSnapshot }
  | { type: 'migration_started'; migration: MigrationRecord }
  | { type: 'migration_updated'; uuid: string; changes: MigrationChanges }
  | { type: 'updated'; changes: { name?: string; description?: string | null; metadata?: Record<string, string> } }
  | { type: 'deleted' }
  /** Server metadata: merged into what is there, or replacing it all. */
  | { type: 'metadata_set'; items: Record<string, string>; replace: boolean }
  | { type: 'metadata_deleted'; key: string }
  /** Server tags: the whole list, or one added or removed. */
  | { type: 'tags_set'; tags: string[] }
  | { type: 'tag_added'; tag: string }
  | { type: 'tag_removed'; tag: string }
  /** Locked (by the owner or an admin, with an optional reason) or unlocked. */
  | { type: 'lock'; locked: boolean; locked_by?: 'owner' | 'admin' | null; reason?: string | null }
  | { type: 'action_started'; action: string; request_id: string; user_id: string | null; project_id: string | null; workflow_id: string | null }
  | { type: 'action_event_started'; request_id: string; event: string; host?: string | null }
  | { type: 'action_event_finished'; request_id: string; event: string; result: 'Success' | 'Error'; traceback?: string | null; details?: string | null }
  | { type: 'action_finished'; request_id: string; message?: string | null };

export type InstanceEventType = InstanceEvent['type'];
