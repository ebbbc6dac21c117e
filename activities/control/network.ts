/**
 * Controller-side network activities of the build and delete workflows: ports for an instance on the networks
 * it asked for, bound to its host, through the network service's own data layer. Port ids are derived from the
 * instance uuid and the request's position, so a retried allocation finds the ports it made instead of making more.
 */
import { ApplicationFailure } from '@temporalio/common';
import type pg from 'pg';
import { getNetwork } from '../services/network/networks.ts';
import { createPort, deletePort, getPort, listPorts, updatePort } from '../services/network/ports.ts';
import type { NetworkInterface } from '../host/driver.ts';
import { derivedUuid } from './derived-id.ts';

export interface RequestedNetwork {
  networkId: string;
  /** A port the user made and named; bound to the instance, and only unbound (not deleted) on delete. */
  portId?: string;
  fixedIp?: string;
}

export interface Allocation {
  addresses: Record<string, { version: number; addr: string; mac: string }[]>;
  interfaces: NetworkInterface[];
}

export const NETWORK_ALLOCATION_FAILED = 'NetworkAllocationFailed';

/** A stable port id for the instance's n-th requested network. */
export function portIdFor(instanceUuid: string, index: number): string {
  return derivedUuid(`${instanceUuid}/port/${index}`);
}

export function createNetworkActivities(deps: { db: pg.Pool }) {
  return {
    async allocateNetwork(input: { uuid: string; projectId: string; host: string; requested: RequestedNetwork[] }): Promise<Allocation> {
      const allocation: Allocation = { addresses: {}, interfaces: [] };
      for (const [i, r] of input.requested.entries()) {
        let port;
        try {
          port = r.portId
            ? await updatePort(deps.db, r.portId, { deviceId: input.uuid, deviceOwner: 'compute:nova', hostId: input.host })
            : await createPort(deps.db, {
                id: portIdFor(input.uuid, i),
                projectId: input.projectId,
                networkId: r.networkId,
                deviceId: input.uuid,
                deviceOwner: 'compute:nova',
                hostId: input.host,
                fixedIps: r.fixedIp ? [{ ipAddress: r.fixedIp }] : undefined,
              });
          if (!r.portId && port.binding_host_id !== input.host) {
            port = await updatePort(deps.db, port.id, { hostId: input.host }); // a reschedule moved the instance
          }
        } catch (err) {
          const status = (err as { status?: number }).status;
          if (status !== undefined && status < 500) {
            throw ApplicationFailure.nonRetryable(
              `Build of instance ${input.uuid} aborted: Failed to allocate the network(s), not rescheduling. ${(err as Error).message}`,
              NETWORK_ALLOCATION_FAILED,
            );
          }
          throw err;
        }
        const network = await getNetwork(deps.db, port.network_id);
        const name = network?.name || port.network_id;
        allocation.addresses[name] ??= [];
        for (const ip of port.fixed_ips) {
          allocation.addresses[name]!.push({ version: ip.ip_address.includes(':') ? 6 : 4, addr: ip.ip_address, mac: port.mac_address });
        }
        allocation.interfaces.push({ portId: port.id, mac: port.mac_address, ips: port.fixed_ips.map((f) => f.ip_address), networkId: port.network_id });
      }
      return allocation;
    },

    /** Deletes the ports the build made and unbinds the ones the user brought. Idempotent. */
    async deallocateNetwork(input: { uuid: string; userPorts: string[] }): Promise<void> {
      for (const port of await listPorts(deps.db, { all: true }, { deviceId: input.uuid })) {
        if (input.userPorts.includes(port.id)) await updatePort(deps.db, port.id, { deviceId: '', deviceOwner: '', hostId: '' });
        else await deletePort(deps.db, port.id);
      }
      for (const id of input.userPorts) {
        const port = await getPort(deps.db, id);
        if (port && port.device_id === input.uuid) await updatePort(deps.db, id, { deviceId: '', deviceOwner: '', hostId: '' });
      }
    },
  };
}

export type NetworkActivities = ReturnType<typeof createNetworkActivities>;
