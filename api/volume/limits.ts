/**
 * `GET /limits` (Cinder): the project's absolute volume limits and usage, which `openstack limits show` reads
 * beside the compute ones. Cinder's default quotas; volumes are counted from the project's live volumes.
 */
import { Router } from 'express';
import type { ServiceDeps } from '../service-deps.ts';

const CINDER_DEFAULTS = { volumes: 10, gigabytes: 1000, snapshots: 10, backups: 10, backup_gigabytes: 1000 };

export function limitRoutes(deps: ServiceDeps): Router {
  const router = Router();
  router.get('/limits', async (_req, res) => {
    const used = await deps.db.query<{ n: number; gb: number }>(
      `SELECT count(*)::int AS n, COALESCE(sum(size), 0)::int AS gb FROM volumes WHERE project_id = $1 AND status <> 'deleted'`,
      [res.locals.auth.projectId ?? ''],
    );
    res.json({
      limits: {
        rate: [],
        absolute: {
          maxTotalVolumes: CINDER_DEFAULTS.volumes,
          maxTotalVolumeGigabytes: CINDER_DEFAULTS.gigabytes,
          maxTotalSnapshots: CINDER_DEFAULTS.snapshots,
          maxTotalBackups: CINDER_DEFAULTS.backups,
          maxTotalBackupGigabytes: CINDER_DEFAULTS.backup_gigabytes,
          totalVolumesUsed: used.rows[0]!.n,
          totalGigabytesUsed: used.rows[0]!.gb,
          totalSnapshotsUsed: 0,
          totalBackupsUsed: 0,
          totalBackupGigabytesUsed: 0,
        },
      },
    });
  });
  return router;
}
