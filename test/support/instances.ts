/** A new-instance event payload with plausible defaults, for tests of the instance store and workflows. */
import { randomUUID } from 'node:crypto';
import type { NewInstance } from '../../activities/control/instances/events.ts';

export function newInstance(id: number, over: Partial<NewInstance> = {}): NewInstance {
  return {
    uuid: randomUUID(), id, project_id: 'p1', user_id: 'u1', name: `vm-${id}`, description: null, hostname: `vm-${id}`,
    image_ref: 'img-1',
    flavor: { flavorid: '1', name: 'm1.tiny', memory_mb: 512, vcpus: 1, root_gb: 1, ephemeral_gb: 0, swap: 0, extra_specs: {} },
    key_name: null, key_data: null, user_data: null, metadata: {}, tags: [], availability_zone: null, config_drive: '',
    access_ip_v4: '', access_ip_v6: '', reservation_id: 'r-test', launch_index: 0, security_groups: [{ name: 'default' }],
    request_spec: {}, ...over,
  };
}
