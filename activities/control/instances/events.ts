/** The instance domain events: every state change of an instance is one of these, appended in order. */

export interface Fault {
  code: number;
  message: string;
  details?: string;
}

export interface FlavorSnapshot {
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
