/** Turning the references of a server create request into what the build needs, with Nova's 400s. */
import type pg from 'pg';
import { getFlavor, type FlavorRow } from '../../../activities/control/db/flavors.ts';
import { getKeyPair } from '../../../activities/control/db/keypairs.ts';
import { listServices } from '../../../activities/control/db/services.ts';
import type { RequestedNetwork } from '../../../activities/control/network.ts';
import { listNetworks, getNetwork } from '../../../activities/services/network/networks.ts';
import { getPort } from '../../../activities/services/network/ports.ts';
import { isUuid } from '../../../activities/services/network/db.ts';
import type { ImageRecord } from '../../../activities/services/image/records.ts';
import type { AuthContext } from '../../auth/context.ts';
import { ApiError, badRequest } from '../../faults.ts';
import { loadImage } from '../../image/access.ts';

export async function resolveFlavor(db: pg.Pool, auth: AuthContext, ref: string | number): Promise<FlavorRow> {
  const id = String(ref).replace(/^.*\/flavors\//, '');
  const flavor = await getFlavor(db, id, auth.isAdmin ? undefined : (auth.projectId ?? ''));
  if (!flavor) throw badRequest(`Flavor ${id} could not be found.`);
  if (flavor.disabled) throw badRequest(`Flavor ${id} is disabled.`);
  return flavor;
}

export async function resolveImage(db: pg.Pool, auth: AuthContext, ref: string, flavor: FlavorRow): Promise<ImageRecord> {
  const id = ref.replace(/^.*\/images\//, '');
  const { image } = await loadImage(db, auth, id, (missing) => badRequest(`Image ${missing} could not be found.`));
  if (image.status !== 'active') throw badRequest(`Image ${id} is not active.`);
  if (image.min_ram > flavor.memory_mb) throw badRequest("Flavor's memory is too small for requested image.");
  if (flavor.root_gb > 0 && image.min_disk > flavor.root_gb) throw badRequest("Flavor's disk is too small for requested image.");
  if (flavor.root_gb > 0 && image.size !== null && image.size > flavor.root_gb * 1024 ** 3) {
    throw badRequest("Flavor's disk is too small for requested image.");
  }
  return image;
}

/** The image a root volume is made from: visible, active, and no bigger than the volume. */
export async function resolveVolumeImage(db: pg.Pool, auth: AuthContext, id: string, volumeGb: number): Promise<ImageRecord> {
  const { image } = await loadImage(db, auth, id, (missing) => badRequest(`Image ${missing} could not be found.`));
  if (image.status !== 'active') throw badRequest(`Image ${id} is not active.`);
  const neededGb = Math.max(image.min_disk, image.size === null ? 0 : Math.ceil(image.size / 1024 ** 3));
  if (volumeGb < neededGb) {
    throw badRequest(`Block Device Mapping is Invalid: Volume is smaller than the minimum size specified in image metadata. Volume size is ${volumeGb * 1024 ** 3} bytes, minimum size is ${neededGb * 1024 ** 3} bytes.`);
  }
  return image;
}

export async function resolveKey(db: pg.Pool, auth: AuthContext, name: string | undefined): Promise<string | null> {
  if (name === undefined) return null;
  const key = await getKeyPair(db, auth.userId, name);
  if (!key) throw badRequest('Invalid key_name provided.');
  return key.public_key;
}

type NetworksRequest = 'auto' | 'none' | { uuid?: string; port?: string | null; fixed_ip?: string }[];

/** `auto`: the project's own network, else the one shared network; several candidates are ambiguous (409). */
export async function resolveNetworks(db: pg.Pool, auth: AuthContext, requested: NetworksRequest): Promise<RequestedNetwork[]> {
  if (requested === 'none') return [];
  if (requested === 'auto') {
    const visible = (await listNetworks(db, { all: false, projectId: auth.projectId })).filter((n) => !n.external && n.subnets.length > 0);
    const own = visible.filter((n) => n.project_id === auth.projectId);
    const candidates = own.length ? own : visible.filter((n) => n.shared);
    if (candidates.length === 0) return [];
    if (candidates.length > 1) throw new ApiError(409, 'Multiple possible networks found, use a Network ID to be more specific.');
    return [{ networkId: candidates[0]!.id }];
  }
  const result: RequestedNetwork[] = [];
  for (const r of requested) {
    if (r.port) {
      const port = isUuid(r.port) ? await getPort(db, r.port) : undefined;
      if (!port || (!auth.isAdmin && port.project_id !== auth.projectId)) throw badRequest(`Port id ${r.port} could not be found.`);
      if (port.device_id) throw new ApiError(409, `Port ${r.port} is still in use.`);
      result.push({ networkId: port.network_id, portId: port.id });
      continue;
    }
    if (!r.uuid) throw badRequest('Bad networks format: network uuid is not in proper format (None)');
    const network = await getNetwork(db, r.uuid);
    if (!network || (!auth.isAdmin && !network.shared && !network.external && network.project_id !== auth.projectId)) {
      throw badRequest(`Network ${r.uuid} could not be found.`);
    }
    result.push({ networkId: network.id, fixedIp: r.fixed_ip });
  }
  return result;
}

/** A requested zone must have an enabled compute host; `zone:host` (admin) pins a host too. */
export async function resolveZone(
  db: pg.Pool,
  auth: AuthContext,
  requested: string | undefined,
  serviceDownTimeSeconds: number,
): Promise<{ zone?: string; host?: string }> {
  if (requested === undefined) return {};
  const [zone, host] = requested.split(':', 2) as [string, string | undefined];
  if (host !== undefined && !auth.isAdmin) throw new ApiError(403, "Policy doesn't allow os_compute_api:servers:create:forced_host to be performed.");
  const services = (await listServices(db, serviceDownTimeSeconds)).filter((s) => s.binary === 'nova-compute' && !s.disabled);
  const zones = new Set(services.map((s) => s.availability_zone));
  if (zone && !zones.has(zone)) throw badRequest('The requested availability zone is not available');
  if (host && !services.some((s) => s.host === host)) throw badRequest(`Compute host ${host} could not be found.`);
  return { zone: zone || undefined, host };
}
