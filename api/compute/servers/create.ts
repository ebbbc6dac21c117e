/**
 * `POST /servers`: validates and resolves the request, checks the quota and records the new instances (and their
 * `create` actions) in one transaction under the project's quota lock, then starts one build workflow per
 * instance and answers 202. Everything after that is the workflow's.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { Request, Response } from 'express';
import { instancesAllowed, lockProjectQuota, QuotaExceeded } from '../../../activities/control/db/quotas.ts';
import { getServerGroup, SERVER_GROUP_MEMBERS_QUOTA } from '../../../activities/control/db/server-groups.ts';
import type { NewInstance } from '../../../activities/control/instances/events.ts';
import { allocateInstanceId, appendEvents, appendEventsWith } from '../../../activities/control/instances/store.ts';
import type { operations } from '../../../schema/generated/compute/servers.d.ts';
import { buildWorkflowId } from '../../../workflows/instance-states.ts';
import { enforce } from '../../auth/policy.ts';
import { ApiError, badRequest } from '../../faults.ts';
import type { ComputeDeps } from '../deps.ts';
import { planBoot } from './block-devices.ts';
import { resolveFlavor, resolveImage, resolveKey, resolveNetworks, resolveVolumeImage, resolveZone } from './resolve.ts';
import { startBuild } from './start.ts';
import { serverLinks } from './view.ts';

type CreateBody = operations['createServer']['requestBody']['content']['application/json'];

const MAX_ATTEMPTS = 3;

function count(value: number | string | undefined, fallback: number): number {
  return value === undefined ? fallback : Number(value);
}

function truthy(value: boolean | string | undefined): boolean {
  return value === true || (typeof value === 'string' && ['true', '1', 'yes', 'on'].includes(value.toLowerCase()));
}

/** Nova's default hostname from the display name: lowercase, only [a-z0-9-], at most 63 characters. */
function hostnameOf(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 63) || 'server';
}

export function createServerHandler(deps: ComputeDeps & { temporal: Client }) {
  return async (req: Request, res: Response) => {
    const auth = res.locals.auth;
    const v = res.locals.microversion;
    const body = req.body as CreateBody;
    const s = body.server;
    if (!auth.projectId) throw new ApiError(403, "Policy doesn't allow os_compute_api:servers:create to be performed.");
    enforce(auth, 'os_compute_api:servers:create', { projectId: auth.projectId });
    if (s.networks === undefined && v.atLeast('2.37')) {
      throw badRequest("Invalid input for field/attribute server. Value: server. 'networks' is a required property");
    }
    const min = count(s.min_count, 1);
    const max = count(s.max_count, min);
    if (min > max) throw badRequest('min_count must be <= max_count');
    if (s.description !== undefined && !v.atLeast('2.19')) throw badRequest("Invalid input for field/attribute server. Value: description. Additional properties are not allowed ('description' was unexpected)");

    const flavor = await resolveFlavor(deps.db, auth, s.flavorRef);
    const boot = await planBoot(deps.db, auth, s.imageRef, s.block_device_mapping_v2, max);
    const image = boot.localImage
      ? await resolveImage(deps.db, auth, boot.localImage, flavor)
      : boot.volumeImage
        ? await resolveVolumeImage(deps.db, auth, boot.volumeImage, boot.devicesFor('')[0]!.sizeGb ?? 0)
        : undefined;
    const imageProperties = image?.properties ?? {};
    const keyData = await resolveKey(deps.db, auth, s.key_name);
    const networks = await resolveNetworks(deps.db, auth, s.networks ?? 'auto');
    if (networks.some((n) => n.portId) && max > 1) throw badRequest('Unable to launch multiple instances with a single configured port ID. Please launch your instance one by one with different ports.');
    const placement = await resolveZone(deps.db, auth, s.availability_zone, deps.serviceDownTimeSeconds);
    const hints = (body['os:scheduler_hints'] ?? body['OS-SCH-HNT:scheduler_hints'] ?? {}) as NonNullable<CreateBody['os:scheduler_hints']>;
    const asList = (h: unknown) => (h === undefined ? undefined : Array.isArray(h) ? (h as string[]) : [h as string]);
    const hostsOf = async (uuids: string[] | undefined) =>
      uuids === undefined
        ? undefined
        : (await deps.db.query<{ host: string }>('SELECT host FROM instances WHERE uuid::text = ANY($1) AND host IS NOT NULL', [uuids])).rows.map((r) => r.host);
    const group = hints.group === undefined ? undefined : await getServerGroup(deps.db, hints.group, auth.isAdmin ? undefined : auth.projectId);
    if (hints.group !== undefined && !group) throw badRequest(`Invalid server group: Instance group ${hints.group} could not be found.`);
    const sameHostAs = await hostsOf(asList(hints.same_host));
    const differentHostFrom = await hostsOf(asList(hints.different_host));

    const requestId = res.locals.requestId;
    const reservationId = `r-${randomBytes(4).toString('hex')}`;
    // A server booted from a volume has no local root disk: only its ephemeral and swap disks take host disk.
    const rootGb = boot.bootFromVolume ? 0 : flavor.root_gb;
    const resources = { vcpus: flavor.vcpus, memoryMb: flavor.memory_mb, diskGb: rootGb + flavor.ephemeral_gb + Math.ceil(flavor.swap / 1024) };
    const created: NewInstance[] = [];
    const client = await deps.db.connect();
    try {
      await client.query('BEGIN');
      await lockProjectQuota(client, auth.projectId);
      const n = await instancesAllowed(client, auth.projectId, { vcpus: flavor.vcpus, memoryMb: flavor.memory_mb }, min, max);
      for (let i = 0; i < n; i++) {
        const uuid = randomUUID();
        const name = max > 1 ? `${s.name}-${i + 1}` : s.name;
        const instance: NewInstance = {
          uuid,
          id: await allocateInstanceId(client),
          project_id: auth.projectId,
          user_id: auth.userId,
          name,
          description: s.description ?? null,
          hostname: s.hostname ?? hostnameOf(name),
          image_ref: boot.bootFromVolume ? '' : image!.id,
          flavor: { flavorid: flavor.flavorid, name: flavor.name, memory_mb: flavor.memory_mb, vcpus: flavor.vcpus, root_gb: flavor.root_gb, ephemeral_gb: flavor.ephemeral_gb, swap: flavor.swap, extra_specs: flavor.extra_specs },
          key_name: s.key_name ?? null,
          key_data: keyData,
          user_data: s.user_data ?? null,
          metadata: s.metadata ?? {},
          tags: v.atLeast('2.52') ? (s.tags ?? []) : [],
          availability_zone: placement.zone ?? null,
          config_drive: truthy(s.config_drive) ? 'True' : '',
          access_ip_v4: s.accessIPv4 ?? '',
          access_ip_v6: s.accessIPv6 ?? '',
          reservation_id: reservationId,
          launch_index: i,
          security_groups: (s.security_groups ?? [{ name: 'default' }]).map((g) => ({ name: g.name ?? 'default' })),
          request_spec: { networks, hints, group: hints.group ?? null, image_properties: imageProperties, block_devices: boot.devicesFor(uuid) },
        };
        await appendEventsWith(client, uuid, [
          { type: 'requested', instance },
          { type: 'action_started', action: 'create', request_id: requestId, user_id: auth.userId, project_id: auth.projectId, workflow_id: buildWorkflowId(uuid) },
        ], { requestId });
        created.push(instance);
      }
      if (group) {
        await client.query('SELECT 1 FROM server_groups WHERE id = $1 FOR UPDATE', [group.id]);
        const members = await client.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM server_group_members m JOIN instances i ON i.uuid = m.instance_uuid
            WHERE m.group_id = $1 AND i.deleted_at IS NULL`,
          [group.id],
        );
        if (members.rows[0]!.n + created.length > SERVER_GROUP_MEMBERS_QUOTA) throw new QuotaExceeded('Quota exceeded, too many servers in group');
        for (const instance of created) {
          await client.query('INSERT INTO server_group_members (group_id, instance_uuid) VALUES ($1, $2)', [group.id, instance.uuid]);
        }
      }
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      if (err instanceof QuotaExceeded) throw new ApiError(403, err.message);
      throw err;
    } finally {
      client.release();
    }

    for (const instance of created) {
      try {
        await startBuild(deps.temporal, deps.controlQueue, {
          uuid: instance.uuid,
          requestId,
          projectId: instance.project_id,
          userId: instance.user_id,
          maxAttempts: MAX_ATTEMPTS,
          networks,
          blockDevices: boot.devicesFor(instance.uuid),
          spec: {
            instanceUuid: instance.uuid,
            projectId: instance.project_id,
            resources,
            flavorExtraSpecs: flavor.extra_specs,
            imageProperties,
            availabilityZone: placement.zone,
            requestedHost: placement.host,
            sameHostAs,
            differentHostFrom,
            group: group ? { uuid: group.id, policy: group.policy, hosts: [], maxServerPerHost: group.rules.max_server_per_host } : undefined,
            ignoreHosts: [],
          },
          domain: {
            uuid: instance.uuid,
            name: `instance-${instance.id.toString(16).padStart(8, '0')}`,
            vcpus: flavor.vcpus,
            memoryMb: flavor.memory_mb,
            rootGb,
            image: boot.bootFromVolume || !image ? null : { id: image.id, properties: image.properties, diskFormat: image.disk_format ?? undefined, size: image.size, hash: image.os_hash_value },
            volumes: [],
            configDrive: truthy(s.config_drive),
            interfaces: [],
            userData: instance.user_data,
            keyData,
            extraSpecs: { ...imageProperties, ...flavor.extra_specs },
          },
        });
      } catch (err) {
        // The instance is recorded but no workflow will build it: show it as failed rather than building forever.
        await appendEvents(deps.db, instance.uuid, [
          { type: 'failed', fault: { code: 500, message: 'The build could not be started.', details: (err as Error).message } },
          { type: 'action_finished', request_id: requestId, message: 'Error' },
        ]);
        throw err;
      }
    }

    if (truthy(s.return_reservation_id)) return void res.status(202).json({ reservation_id: reservationId });
    const first = created[0]!;
    const links = serverLinks(res, deps.publicUrl, first.uuid);
    res.status(202).set('Location', links[0]!.href).json({
      server: {
        id: first.uuid,
        links,
        'OS-DCF:diskConfig': s['OS-DCF:diskConfig'] ?? 'MANUAL',
        security_groups: first.security_groups,
        adminPass: s.adminPass ?? randomBytes(9).toString('base64url'),
      },
    });
  };
}
