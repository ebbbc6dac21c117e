/**
 * The service catalog a token carries: every Novaflow service, one region, three interfaces, all at the
 * configured public base URL (one process serves them all). Ids are stable digests, so they stay the same
 * across restarts.
 */
import { createHash } from 'node:crypto';

export const REGION = 'RegionOne';
const INTERFACES = ['public', 'internal', 'admin'] as const;

interface ServiceEntry {
  type: string;
  name: string;
  path: (projectId?: string) => string;
}

const SERVICES: readonly ServiceEntry[] = [
  { type: 'identity', name: 'keystone', path: () => '/identity' },
  { type: 'compute', name: 'nova', path: () => '/compute/v2.1' },
  { type: 'image', name: 'glance', path: () => '/image' },
  { type: 'network', name: 'neutron', path: () => '/network' },
  { type: 'block-storage', name: 'cinder', path: (p) => (p ? `/volume/v3/${p}` : '/volume/v3') },
  { type: 'volumev3', name: 'cinderv3', path: (p) => (p ? `/volume/v3/${p}` : '/volume/v3') },
];

const stableId = (...parts: string[]) => createHash('sha256').update(parts.join('/')).digest('hex').slice(0, 32);

export function serviceCatalog(publicUrl: string, projectId?: string) {
  return SERVICES.map((service) => ({
    id: stableId('service', service.type),
    type: service.type,
    name: service.name,
    endpoints: INTERFACES.map((iface) => ({
      id: stableId('endpoint', service.type, iface),
      interface: iface,
      region: REGION,
      region_id: REGION,
      url: `${publicUrl}${service.path(projectId)}`,
    })),
  }));
}
