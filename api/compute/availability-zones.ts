/**
 * os-availability-zone: the zones that have compute hosts (available while any of its enabled hosts is up), and
 * for admins the hosts and services of each zone, the controller's `internal` zone included.
 */
import { Router } from 'express';
import { listServices, type ServiceRow } from '../../activities/control/db/services.ts';
import { enforce } from '../auth/policy.ts';
import { bind } from '../openapi/route.ts';
import type { ComputeDeps } from './deps.ts';
import { novaTime } from './time.ts';

function zones(services: ServiceRow[], detail: boolean) {
  const byZone = new Map<string, ServiceRow[]>();
  for (const s of services) {
    if (!detail && s.binary !== 'nova-compute') continue;
    byZone.set(s.availability_zone, [...(byZone.get(s.availability_zone) ?? []), s]);
  }
  return [...byZone.entries()]
    .sort(([a], [b]) => (a === 'internal' ? -1 : b === 'internal' ? 1 : a.localeCompare(b)))
    .map(([zoneName, members]) => {
      const available = members.some((s) => s.is_up && !s.disabled);
      if (!detail) return { zoneName, zoneState: { available }, hosts: null };
      const hosts: Record<string, Record<string, { available: boolean; active: boolean; updated_at: string | null }>> = {};
      for (const s of members) {
        hosts[s.host] ??= {};
        hosts[s.host]![s.binary] = { available: s.is_up, active: !s.disabled, updated_at: novaTime(s.last_seen_at) };
      }
      return { zoneName, zoneState: { available }, hosts };
    });
}

export function availabilityZoneRoutes(deps: ComputeDeps): Router {
  const router = Router();
  const opts = { validateResponses: deps.validateResponses };
  bind(router, 'listAvailabilityZonesDetail', opts, async (_req, res) => {
    enforce(res.locals.auth, 'os_compute_api:os-availability-zone:detail');
    res.json({ availabilityZoneInfo: zones(await listServices(deps.db, deps.serviceDownTimeSeconds), true) });
  });
  bind(router, 'listAvailabilityZones', opts, async (_req, res) => {
    enforce(res.locals.auth, 'os_compute_api:os-availability-zone:list');
    res.json({ availabilityZoneInfo: zones(await listServices(deps.db, deps.serviceDownTimeSeconds), false) });
  });
  return router;
}
