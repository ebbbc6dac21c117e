/**
 * Controller-side activities of the move workflows (resize, cold and live migration, evacuation): scheduling a
 * destination with Placement-style migration allocations, handing allocations back and forth on confirm and
 * revert, and describing the guest for its new host (ports and volume attachments rebound there). Each is
 * idempotent: a retry finds the claim, the binding or the hand-back already made.
 */
import { ApplicationFailure } from '@temporalio/common';
import type pg from 'pg';
import { listPorts, updatePort } from '../services/network/ports.ts';
import { listAttachments } from '../services/volume/attachments.ts';
import type { DomainSpec, ImageRef, NetworkInterface, VolumeDisk } from '../host/driver.ts';
import { NO_VALID_HOST, groupMemberHosts, type Placement } from './build.ts';
import { candidateHosts, claim, release } from './db/claims.ts';
import { allocationsOf, moveAllocations } from './db/move-claims.ts';
import { getServerGroup } from './db/server-groups.ts';
import type { AttachedVolumeRecord, FlavorSnapshot } from './instances/events.ts';
import { bootsFromVolume } from './move-requests.ts';
import type { RequestedBlockDevice } from './volumes.ts';
import { rankHosts } from './scheduler/select.ts';
import type { RequestSpec } from './scheduler/types.ts';

export interface MovePlacement extends Placement {
  hostIp: string | null;
}

export interface ScheduleMoveInput {
  uuid: string;
  migrationUuid: string;
  flavor: FlavorSnapshot;
  sourceHost: string;
  /**
   * Resize and migrations: the source allocation passes to the migration while the instance claims the
   * destination. Evacuation: the instance keeps its (dead) source allocation and claims the destination too.
   */
  holdSourceWithMigration: boolean;
  allowSameHost: boolean;
  requestedHost?: string;
  /**
   * Hosts where the instance held allocations before this move began (an evacuated instance's earlier dead host
   * still does): never taken for this move's own claim, nor chosen.
   */
  heldBefore?: string[];
}

interface InstanceFacts {
  project_id: string;
  availability_zone: string | null;
  request_spec: { group?: string | null; image_properties?: Record<string, string>; block_devices?: RequestedBlockDevice[] };
  image_ref: string;
  id: string;
  config_drive: string;
  user_data: string | null;
  key_data: string | null;
  volumes_attached: AttachedVolumeRecord[];
}

export function createMoveActivities(deps: { db: pg.Pool; serviceDownTimeSeconds: number }) {
  async function facts(uuid: string): Promise<InstanceFacts> {
    const result = await deps.db.query<InstanceFacts>(
      `SELECT project_id, availability_zone, request_spec, image_ref, id, config_drive, user_data, key_data, volumes_attached
         FROM instances WHERE uuid = $1`,
      [uuid],
    );
    if (!result.rows[0]) throw ApplicationFailure.nonRetryable(`Instance ${uuid} could not be found.`, 'InstanceNotFound');
    return result.rows[0];
  }

  async function requestSpec(input: ScheduleMoveInput, f: InstanceFacts): Promise<RequestSpec> {
    const flavor = input.flavor;
    const rootGb = bootsFromVolume(f.request_spec) ? 0 : flavor.root_gb;
    const groupId = f.request_spec.group ?? undefined;
    const group = groupId ? await getServerGroup(deps.db, groupId) : undefined;
    return {
      instanceUuid: input.uuid,
      projectId: f.project_id,
      resources: { vcpus: flavor.vcpus, memoryMb: flavor.memory_mb, diskGb: rootGb + flavor.ephemeral_gb + Math.ceil(flavor.swap / 1024) },
      flavorExtraSpecs: flavor.extra_specs,
      imageProperties: f.request_spec.image_properties ?? {},
      availabilityZone: f.availability_zone ?? undefined,
      requestedHost: input.requestedHost,
      group: group
        ? { uuid: group.id, policy: group.policy, hosts: await groupMemberHosts(deps.db, group.id, input.uuid), maxServerPerHost: group.rules.max_server_per_host }
        : undefined,
      ignoreHosts: [...(input.allowSameHost && input.holdSourceWithMigration ? [] : [input.sourceHost]), ...(input.heldBefore ?? [])],
    };
  }

  async function hostIp(providerId: string): Promise<string | null> {
    const result = await deps.db.query<{ ip: string | null }>('SELECT host(host_ip) AS ip FROM resource_providers WHERE id = $1', [providerId]);
    return result.rows[0]?.ip ?? null;
  }

  return {
    /**
     * Picks and claims a destination for the instance with `flavor` (filters and weighers as for a build, the
     * source excluded unless a same-host resize is allowed). Throws NoValidHost (with the source allocation back on
     * the instance) when no host fits.
     */
    async scheduleMove(input: ScheduleMoveInput): Promise<MovePlacement> {
      if (input.holdSourceWithMigration && (await allocationsOf(deps.db, input.migrationUuid)).length === 0) {
        await moveAllocations(deps.db, input.uuid, input.migrationUuid);
      }
      const before = new Set([...(input.heldBefore ?? []), ...(input.holdSourceWithMigration ? [] : [input.sourceHost])]);
      const held = (await allocationsOf(deps.db, input.uuid)).find((a) => !before.has(a.host));
      if (held) return { host: held.host, node: held.node, providerId: held.providerId, hostIp: await hostIp(held.providerId) };

      const spec = await requestSpec(input, await facts(input.uuid));
      const ranked = rankHosts(await candidateHosts(deps.db, spec.resources, { serviceDownTimeSeconds: deps.serviceDownTimeSeconds }), spec);
      for (const { host } of ranked) {
        if ((await claim(deps.db, host.providerId, input.uuid, spec.resources)) === 'claimed') {
          return { host: host.host, node: host.node, providerId: host.providerId, hostIp: await hostIp(host.providerId) };
        }
      }
      if (input.holdSourceWithMigration) await moveAllocations(deps.db, input.migrationUuid, input.uuid);
      throw ApplicationFailure.nonRetryable('No valid host was found. ', NO_VALID_HOST);
    },

    /** The hosts where the instance holds allocations now (read once at the start of a move, then replayed). */
    async allocationHosts(input: { uuid: string }): Promise<string[]> {
      return (await allocationsOf(deps.db, input.uuid)).map((a) => a.host);
    },

    /** A confirmed move (or a finished live migration): the source allocation, held by the migration, goes. */
    async confirmMoveAllocations(input: { migrationUuid: string }): Promise<void> {
      await release(deps.db, input.migrationUuid);
    },

    /** A reverted or failed move: the destination claim goes and the source allocation returns to the instance. */
    async revertMoveAllocations(input: { uuid: string; migrationUuid: string }): Promise<void> {
      if ((await allocationsOf(deps.db, input.migrationUuid)).length === 0) return; // handed back already
      await release(deps.db, input.uuid);
      await moveAllocations(deps.db, input.migrationUuid, input.uuid);
    },

    /** The instance's allocations on `host`'s providers go (an evacuated instance's dead source, or a failed destination). */
    async releaseHostAllocations(input: { uuid: string; host: string }): Promise<void> {
      for (const a of await allocationsOf(deps.db, input.uuid)) if (a.host === input.host) await release(deps.db, input.uuid, a.providerId);
    },

    /**
     * The guest as it must run on `host` with `flavor`: its ports bound to that host, its volume attachments
     * connected there, and the definition the host's driver needs.
     */
    async guestSpecOn(input: { uuid: string; host: string; flavor: FlavorSnapshot }): Promise<DomainSpec> {
      const f = await facts(input.uuid);
      const interfaces: NetworkInterface[] = [];
      for (let port of await listPorts(deps.db, { all: true }, { deviceId: input.uuid })) {
        if (port.binding_host_id !== input.host) port = await updatePort(deps.db, port.id, { hostId: input.host });
        interfaces.push({ portId: port.id, mac: port.mac_address, ips: port.fixed_ips.map((ip) => ip.ip_address), networkId: port.network_id });
      }
      await deps.db.query(
        `UPDATE volume_attachments SET attached_host = $2, connector = COALESCE(connector, '{}') || jsonb_build_object('host', $2::text), updated_at = now()
          WHERE instance_uuid = $1 AND attached_host IS DISTINCT FROM $2`,
        [input.uuid, input.host],
      );
      const devices = f.request_spec.block_devices ?? [];
      const volumes: VolumeDisk[] = (await listAttachments(deps.db, { instanceUuid: input.uuid }))
        .filter((a) => a.attach_status === 'attached')
        .map((a) => {
          const record = f.volumes_attached.find((v) => v.id === a.volume_id);
          return {
            volumeId: a.volume_id,
            attachmentId: a.id,
            device: record?.device ?? a.mountpoint?.replace('/dev/', '') ?? 'vdb',
            bootIndex: devices.find((d) => d.volumeId === a.volume_id)?.bootIndex ?? null,
            connection: a.connection_info as VolumeDisk['connection'],
          };
        })
        .sort((a, b) => a.device.localeCompare(b.device));
      let image: ImageRef | null = null;
      if (f.image_ref) {
        const row = (await deps.db.query('SELECT id, properties, disk_format, size, os_hash_value FROM images WHERE id::text = $1', [f.image_ref])).rows[0];
        image = row
          ? { id: row.id, properties: row.properties, diskFormat: row.disk_format ?? undefined, size: row.size === null ? null : Number(row.size), hash: row.os_hash_value }
          : { id: f.image_ref, properties: f.request_spec.image_properties ?? {} };
      }
      return {
        uuid: input.uuid,
        name: `instance-${Number(f.id).toString(16).padStart(8, '0')}`,
        vcpus: input.flavor.vcpus,
        memoryMb: input.flavor.memory_mb,
        rootGb: bootsFromVolume(f.request_spec) ? 0 : input.flavor.root_gb,
        image: bootsFromVolume(f.request_spec) ? null : image,
        volumes,
        configDrive: f.config_drive !== '',
        interfaces,
        userData: f.user_data,
        keyData: f.key_data,
        extraSpecs: { ...(f.request_spec.image_properties ?? {}), ...input.flavor.extra_specs },
      };
    },
  };
}

export type MoveActivities = ReturnType<typeof createMoveActivities>;
