/**
 * `servers/{id}/metadata`: list, merge (POST), replace (PUT), and one item at a time. Changes are events the
 * projection merges into the row in the same transaction, so concurrent merges do not lose each other's keys.
 * The server must be active, paused, suspended or stopped with no task running, as Nova requires.
 */
import { Router, type Request, type Response } from 'express';
import { quotaLimits } from '../../../activities/control/db/quotas.ts';
import type { InstanceRow } from '../../../activities/control/db/instances.ts';
import { getInstance } from '../../../activities/control/db/instances.ts';
import type { components } from '../../../schema/generated/compute/server-metadata.d.ts';
import { ApiError, badRequest } from '../../faults.ts';
import { bind, param } from '../../openapi/route.ts';
import type { ComputeDeps } from '../deps.ts';
import { changeServer, loadServer } from './instance-access.ts';

type Metadata = components['schemas']['Metadata'];
const METADATA_VM_STATES = ['active', 'paused', 'suspended', 'stopped'];

export function serverMetadataRoutes(deps: ComputeDeps): Router {
  const router = Router();
  const opts = { validateResponses: deps.validateResponses };
  const load = (req: Request, res: Response, rule: string) => loadServer(deps.db, req, res, rule);

  /** Nova's metadata_items quota, counted on what the server would have after the change. */
  const checkQuota = async (row: InstanceRow, after: Metadata) => {
    const allowed = (await quotaLimits(deps.db, row.project_id)).metadata_items;
    if (allowed >= 0 && Object.keys(after).length > allowed) throw new ApiError(403, `Maximum number of metadata items exceeds ${allowed}`);
  };

  const current = async (uuid: string) => (await getInstance(deps.db, uuid))!.metadata;

  bind(router, 'listServerMetadata', opts, async (req, res) => {
    res.json({ metadata: (await load(req, res, 'os_compute_api:server-metadata:index')).metadata });
  });

  bind(router, 'mergeServerMetadata', opts, async (req, res) => {
    const row = await load(req, res, 'os_compute_api:server-metadata:create');
    const items = (req.body as components['schemas']['MetadataBody']).metadata;
    await checkQuota(row, { ...row.metadata, ...items });
    await changeServer(deps.db, res, row, 'update_metadata', METADATA_VM_STATES, [{ type: 'metadata_set', items, replace: false }]);
    res.json({ metadata: await current(row.uuid) });
  });

  bind(router, 'replaceServerMetadata', opts, async (req, res) => {
    const row = await load(req, res, 'os_compute_api:server-metadata:update_all');
    const items = (req.body as components['schemas']['MetadataBody']).metadata;
    await checkQuota(row, items);
    await changeServer(deps.db, res, row, 'update_metadata', METADATA_VM_STATES, [{ type: 'metadata_set', items, replace: true }]);
    res.json({ metadata: await current(row.uuid) });
  });

  bind(router, 'showServerMetadataItem', opts, async (req, res) => {
    const row = await load(req, res, 'os_compute_api:server-metadata:show');
    const key = param(req, 'key');
    if (!(key in row.metadata)) throw new ApiError(404, 'Metadata item was not found');
    res.json({ meta: { [key]: row.metadata[key] } });
  });

  bind(router, 'setServerMetadataItem', opts, async (req, res) => {
    const row = await load(req, res, 'os_compute_api:server-metadata:update');
    const key = param(req, 'key');
    const meta = (req.body as components['schemas']['MetaBody']).meta;
    if (!(key in meta)) throw badRequest('Request body and URI mismatch');
    if (Object.keys(meta).length > 1) throw badRequest('Request body contains too many items');
    await checkQuota(row, { ...row.metadata, ...meta });
    await changeServer(deps.db, res, row, 'update_metadata', METADATA_VM_STATES, [{ type: 'metadata_set', items: meta, replace: false }]);
    res.json({ meta });
  });

  bind(router, 'deleteServerMetadataItem', opts, async (req, res) => {
    const row = await load(req, res, 'os_compute_api:server-metadata:delete');
    const key = param(req, 'key');
    if (!(key in row.metadata)) throw new ApiError(404, 'Metadata item was not found');
    await changeServer(deps.db, res, row, 'delete_metadata', METADATA_VM_STATES, [{ type: 'metadata_deleted', key }]);
    res.status(204).end();
  });

  return router;
}
