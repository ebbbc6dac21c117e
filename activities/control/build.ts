/**
 * Controller-side activities of the instance lifecycle workflows: the auth re-check, scheduling with atomic
 * claims, recording instance events, releasing claims. Each is idempotent (claims per consumer, events per
 * idempotency key), so Temporal may retry any of them.
 */
import { Context } from '@temporalio/activity';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { buildWorkflowId } from '../../workflows/instance-states.ts';
import type pg from 'pg';
import { candidateHosts, claim, noteBuildResult, release } from './db/claims.ts';
import type { InstanceEvent } from './instances/events.ts';
import { appendEvents, InstanceNotFound, StateConflict, type Expectation } from './instances/store.ts';
import { rankHosts } from './scheduler/select.ts';
import type { RequestSpec, ResourceRequest } from './scheduler/types.ts';

export interface Placement {
  host: string;
  node: string;
  providerId: string;
}

export interface BuildDeps {
  db: pg.Pool;
  temporal: Client;
  serviceDownTimeSeconds: number;
}

/** Failure types the workflows tell apart (ApplicationFailure.type survives bundling, class names do not). */
export const NO_VALID_HOST = 'NoValidHost';
export const NOT_AUTHORIZED = 'NotAuthorized';
export const STATE_CONFLICT = 'StateConflict';
export const INSTANCE_NOT_FOUND = 'InstanceNotFound';

export function createBuildActivities(deps: BuildDeps) {
  /** Filters, weighs and claims on the best host that still has room; alternates follow for rescheduling. */
  async function placeAndClaim(spec: RequestSpec, maxAttempts: number): Promise<{ chosen: Placement; alternates: Placement[] }> {
    const ranked = rankHosts(await candidateHosts(deps.db, spec.resources, { serviceDownTimeSeconds: deps.serviceDownTimeSeconds }), spec);
    for (const [i, { host }] of ranked.entries()) {
      const outcome = await claim(deps.db, host.providerId, spec.instanceUuid, spec.resources);
      if (outcome !== 'claimed') continue;
      const alternates = ranked
        .slice(i + 1)
        .filter((r) => r.host.host !== host.host)
        .slice(0, Math.max(0, maxAttempts - 1))
        .map((r) => ({ host: r.host.host, node: r.host.node, providerId: r.host.providerId }));
      return { chosen: { host: host.host, node: host.node, providerId: host.providerId }, alternates };
    }
    throw ApplicationFailure.nonRetryable('No valid host was found. ', NO_VALID_HOST);
  }

  return {
    /** The project and user are still there and enabled (they may have been disabled since the request). */
    async checkAuth(input: { projectId: string; userId: string }): Promise<void> {
      const result = await deps.db.query(
        `SELECT 1 FROM projects p, users u WHERE p.id = $1 AND u.id = $2 AND p.enabled AND u.enabled`,
        [input.projectId, input.userId],
      );
      if (!result.rowCount) throw ApplicationFailure.nonRetryable('The project or user of this request is no longer enabled.', NOT_AUTHORIZED);
    },

    async recordEvents(input: {
      uuid: string;
      events: InstanceEvent[];
      idemKey: string;
      requestId?: string;
      workflowId?: string;
      expect?: Expectation;
    }): Promise<boolean> {
      try {
        const result = await appendEvents(deps.db, input.uuid, input.events, {
          idemKey: input.idemKey,
          requestId: input.requestId,
          workflowId: input.workflowId,
          expect: input.expect,
        });
        return result.appended;
      } catch (err) {
        if (err instanceof StateConflict) throw ApplicationFailure.nonRetryable(err.message, STATE_CONFLICT);
        if (err instanceof InstanceNotFound) throw ApplicationFailure.nonRetryable(err.message, INSTANCE_NOT_FOUND);
        throw err;
      }
    },

    /**
     * Filters and weighs the candidate hosts, claims on the best one that still has room (a lost race moves to
     * the next), and returns it with up to `maxAttempts - 1` alternates for rescheduling.
     */
    async scheduleAndClaim(input: { spec: RequestSpec; maxAttempts: number }): Promise<{ chosen: Placement; alternates: Placement[] }> {
      if (!input.spec.group) return placeAndClaim(input.spec, input.maxAttempts);
      // Members of one server group are placed one at a time, each seeing where the others already are.
      const lock = await deps.db.connect();
      try {
        await lock.query('SELECT pg_advisory_lock(hashtext($1))', [`server-group:${input.spec.group.uuid}`]);
        const hosts = await groupMemberHosts(deps.db, input.spec.group.uuid, input.spec.instanceUuid);
        return await placeAndClaim({ ...input.spec, group: { ...input.spec.group, hosts } }, input.maxAttempts);
      } finally {
        await lock.query('SELECT pg_advisory_unlock(hashtext($1))', [`server-group:${input.spec.group.uuid}`]).catch(() => undefined);
        lock.release();
      }
    },

    /** Claims on the first alternate that still has room; null when none has. */
    async claimAlternate(input: { uuid: string; resources: ResourceRequest; alternates: Placement[] }): Promise<Placement | null> {
      for (const alternate of input.alternates) {
        if ((await claim(deps.db, alternate.providerId, input.uuid, input.resources)) === 'claimed') return alternate;
      }
      return null;
    },

    async releaseClaims(input: { uuid: string; providerId?: string }): Promise<void> {
      await release(deps.db, input.uuid, input.providerId);
    },

    async noteBuildResult(input: { host: string; failed: boolean }): Promise<void> {
      await noteBuildResult(deps.db, input.host, input.failed);
    },

    /**
     * Stops the instance's build if it is still running: cancels it and waits, heartbeating, until it has undone
     * its work and ended. Nothing to do when the build has ended or never started.
     */
    async stopBuild(input: { uuid: string }): Promise<'stopped' | 'not-running'> {
      const handle = deps.temporal.workflow.getHandle(buildWorkflowId(input.uuid));
      try {
        const description = await handle.describe();
        if (description.status.name !== 'RUNNING') return 'not-running';
        await handle.cancel();
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) return 'not-running';
        throw err;
      }
      const beat = setInterval(() => Context.current().heartbeat(), 2000);
      try {
        await handle.result().catch(() => undefined);
      } finally {
        clearInterval(beat);
      }
      return 'stopped';
    },

    /** Where the instance is and what it is doing, for the delete workflow. */
    async instanceLocation(input: { uuid: string }): Promise<{ host: string | null; vmState: string; hostUp: boolean } | null> {
      const result = await deps.db.query<{ host: string | null; vm_state: string; up: boolean | null }>(
        `SELECT i.host, i.vm_state,
                (s.state = 'up' AND NOT s.forced_down AND s.last_seen_at >= now() - make_interval(secs => $2)) AS up
           FROM instances i LEFT JOIN services s ON s.host = i.host AND s."binary" = 'nova-compute'
          WHERE i.uuid = $1`,
        [input.uuid, deps.serviceDownTimeSeconds],
      );
      const row = result.rows[0];
      return row ? { host: row.host, vmState: row.vm_state, hostUp: row.up === true } : null;
    },
  };
}

export type BuildActivities = ReturnType<typeof createBuildActivities>;

/** Hosts holding claims of the group's other members (a member counts as placed from its claim on). */
export async function groupMemberHosts(db: pg.Pool, groupId: string, except: string): Promise<string[]> {
  const result = await db.query<{ host: string }>(
    `SELECT rp.host FROM server_group_members m
       JOIN allocations a ON a.consumer_id = m.instance_uuid
       JOIN resource_providers rp ON rp.id = a.resource_provider_id
      WHERE m.group_id = $1 AND m.instance_uuid <> $2`,
    [groupId, except],
  );
  return result.rows.map((r) => r.host);
}
