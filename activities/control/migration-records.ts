/**
 * Bookkeeping activities of the move workflows that read or change migration records: starting the automatic
 * confirm of a resize left waiting, and finding the evacuations whose dead source host has come back.
 */
import { Context } from '@temporalio/activity';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type pg from 'pg';
import { autoConfirmWorkflowId } from '../../workflows/instance-states.ts';
import { MIGRATION_ENDED } from './db/migrations.ts';
import { appendEvents, StateConflict } from './instances/store.ts';

export function createMigrationRecordActivities(deps: { db: pg.Pool; temporal: Client }) {
  async function migrationStatus(input: { uuid: string }): Promise<string | null> {
    const result = await deps.db.query<{ status: string }>('SELECT status FROM migrations WHERE uuid = $1', [input.uuid]);
    return result.rows[0]?.status ?? null;
  }

  return {
    migrationStatus,

    /**
     * Records the `confirmResize` action for a resize still waiting (vm_state resized, this migration finished);
     * false when the user confirmed or reverted it first. Idempotent by request id.
     */
    async beginAutoConfirm(input: { uuid: string; migrationUuid: string; requestId: string; workflowId: string }): Promise<boolean> {
      try {
        const result = await appendEvents(
          deps.db,
          input.uuid,
          [
            { type: 'action_started', action: 'confirmResize', request_id: input.requestId, user_id: null, project_id: null, workflow_id: input.workflowId },
            { type: 'migration_updated', uuid: input.migrationUuid, changes: { status: 'confirming', workflow_id: input.workflowId } },
          ],
          {
            requestId: input.requestId,
            idemKey: `${input.workflowId}:begin`,
            expect: { vmStates: ['resized'], taskStates: [null], migration: { uuid: input.migrationUuid, statuses: ['finished'] } },
          },
        );
        return result.appended || (await migrationStatus({ uuid: input.migrationUuid })) === 'confirming';
      } catch (err) {
        if (err instanceof StateConflict) return false;
        throw err;
      }
    },

    /**
     * A server being deleted: every move of it still under way (or a resize waiting for confirmation) is
     * cancelled, and each is waited for, heartbeating, until it has ended.
     */
    async stopMoves(input: { uuid: string }): Promise<number> {
      const result = await deps.db.query<{ uuid: string; workflow_id: string | null; status: string }>(
        `SELECT uuid, workflow_id, status FROM migrations WHERE instance_uuid = $1 AND status <> ALL($2)`,
        [input.uuid, MIGRATION_ENDED],
      );
      // The workflows carrying them, and the auto-confirm timers of resizes waiting for confirmation.
      const ids = new Set<string>();
      for (const m of result.rows) {
        if (m.workflow_id) ids.add(m.workflow_id);
        if (m.status === 'finished') ids.add(autoConfirmWorkflowId(input.uuid, m.uuid));
      }
      let stopped = 0;
      const beat = setInterval(() => Context.current().heartbeat(), 2000);
      try {
        for (const workflow_id of ids) {
          const handle = deps.temporal.workflow.getHandle(workflow_id);
          try {
            if ((await handle.describe()).status.name !== 'RUNNING') continue;
            await handle.cancel();
            await handle.result().catch(() => undefined);
            stopped += 1;
          } catch (err) {
            if (!(err instanceof WorkflowNotFoundError)) throw err;
          }
        }
      } finally {
        clearInterval(beat);
      }
      return stopped;
    },

    /**
     * What moves of a server being deleted left behind: the other hosts that may hold its guest (a resize's
     * source, an evacuation's dead host), and the migrations that may still hold allocations.
     */
    async moveLeftovers(input: { uuid: string }): Promise<{ hosts: string[]; migrationUuids: string[] }> {
      const result = await deps.db.query<{ uuid: string; source_compute: string | null; dest_compute: string | null }>(
        `SELECT uuid, source_compute, dest_compute FROM migrations WHERE instance_uuid = $1 AND status <> ALL($2)`,
        [input.uuid, MIGRATION_ENDED],
      );
      const hosts = new Set<string>();
      for (const m of result.rows) for (const h of [m.source_compute, m.dest_compute]) if (h) hosts.add(h);
      return { hosts: [...hosts], migrationUuids: result.rows.map((m) => m.uuid) };
    },

    /**
     * Evacuations away from `host` that finished while it was down: their guests are still on it. None while the
     * operator still holds the host forced down.
     */
    async evacuationsFrom(input: { host: string }): Promise<{ migrationUuid: string; instanceUuid: string; movedBack: boolean }[]> {
      const result = await deps.db.query<{ uuid: string; instance_uuid: string; moved_back: boolean }>(
        `SELECT m.uuid, m.instance_uuid,
                EXISTS (SELECT 1 FROM instances i WHERE i.uuid = m.instance_uuid AND i.host = $1 AND i.deleted_at IS NULL) AS moved_back
           FROM migrations m
          WHERE m.migration_type = 'evacuation' AND m.status = 'done' AND m.source_compute = $1
            AND NOT EXISTS (SELECT 1 FROM services s WHERE s.host = $1 AND s."binary" = 'nova-compute' AND s.forced_down)
          ORDER BY m.id`,
        [input.host],
      );
      return result.rows.map((r) => ({ migrationUuid: r.uuid, instanceUuid: r.instance_uuid, movedBack: r.moved_back }));
    },

    /** The evacuated instance's source is clean: the migration is completed (no instance action: Nova's is silent). */
    async completeEvacuation(input: { instanceUuid: string; migrationUuid: string; movedBack?: boolean }): Promise<void> {
      const status = await migrationStatus({ uuid: input.migrationUuid });
      if (status === null) throw ApplicationFailure.nonRetryable(`Migration ${input.migrationUuid} could not be found.`, 'MigrationNotFound');
      if (status !== 'done') return;
      await appendEvents(deps.db, input.instanceUuid, [{ type: 'migration_updated', uuid: input.migrationUuid, changes: { status: 'completed' } }], {
        idemKey: `evacuation-cleanup:${input.migrationUuid}`,
      });
    },
  };
}
