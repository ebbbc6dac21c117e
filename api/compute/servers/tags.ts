/**
 * `servers/{id}/tags` (2.26+): list, replace, clear, and one tag at a time (check 204/404, add 201/204, delete).
 * At most 50 tags, each 1–60 characters without '/' or ','. Changes need the server in a settled state, as Nova.
 */
import { Router, type Request, type Response } from 'express';
import { getInstance } from '../../../activities/control/db/instances.ts';
import type { components } from '../../../schema/generated/compute/server-metadata.d.ts';
import { ApiError, badRequest } from '../../faults.ts';
import { bind, param } from '../../openapi/route.ts';
import type { ComputeDeps } from '../deps.ts';
import { serverLinks } from './view.ts';
import { changeServer, loadServer } from './instance-access.ts';

export const MAX_TAGS = 50;
const TAG_VM_STATES = ['active', 'paused', 'suspended', 'stopped', 'shelved', 'shelved_offloaded'];
const tooMany = () => badRequest(`The number of tags exceeded the per-server limit ${MAX_TAGS}`);

/** A tag in the URL follows the body's rules too. */
function checkTag(tag: string): void {
  if (tag.length < 1 || tag.length > 60) throw badRequest(`Invalid input for field/attribute tag. Value: ${tag}. '${tag}' is too long`);
  if (/[/,]/.test(tag)) throw badRequest(`Invalid input for field/attribute tag. Value: ${tag}. '${tag}' does not match '^[^,/]*$'`);
}

export function serverTagRoutes(deps: ComputeDeps): Router {
  const router = Router();
  const opts = { validateResponses: deps.validateResponses };
  const load = (req: Request, res: Response, rule: string) => loadServer(deps.db, req, res, rule);
  const tagsOf = async (uuid: string) => (await getInstance(deps.db, uuid))!.tags;

  bind(router, 'listServerTags', opts, async (req, res) => {
    res.json({ tags: (await load(req, res, 'os_compute_api:os-server-tags:index')).tags });
  });

  bind(router, 'replaceServerTags', opts, async (req, res) => {
    const row = await load(req, res, 'os_compute_api:os-server-tags:update_all');
    const tags = [...new Set((req.body as components['schemas']['TagsBody']).tags)];
    if (tags.length > MAX_TAGS) throw tooMany();
    await changeServer(deps.db, res, row, 'update tags', TAG_VM_STATES, [{ type: 'tags_set', tags }]);
    res.json({ tags: await tagsOf(row.uuid) });
  });

  bind(router, 'deleteServerTags', opts, async (req, res) => {
    const row = await load(req, res, 'os_compute_api:os-server-tags:delete_all');
    await changeServer(deps.db, res, row, 'delete tags', TAG_VM_STATES, [{ type: 'tags_set', tags: [] }]);
    res.status(204).end();
  });

  bind(router, 'checkServerTag', opts, async (req, res) => {
    const row = await load(req, res, 'os_compute_api:os-server-tags:show');
    const tag = param(req, 'tag');
    if (!row.tags.includes(tag)) throw new ApiError(404, `Instance ${row.uuid} has no tag '${tag}'`);
    res.status(204).end();
  });

  bind(router, 'addServerTag', opts, async (req, res) => {
    const row = await load(req, res, 'os_compute_api:os-server-tags:update');
    const tag = param(req, 'tag');
    checkTag(tag);
    if (row.tags.includes(tag)) return void res.status(204).end();
    if (row.tags.length >= MAX_TAGS) throw tooMany();
    await changeServer(deps.db, res, row, 'update tag', TAG_VM_STATES, [{ type: 'tag_added', tag }]);
    res.status(201).set('Location', `${serverLinks(res, deps.publicUrl, row.uuid)[0]!.href}/tags/${encodeURIComponent(tag)}`).end();
  });

  bind(router, 'deleteServerTag', opts, async (req, res) => {
    const row = await load(req, res, 'os_compute_api:os-server-tags:delete');
    const tag = param(req, 'tag');
    if (!row.tags.includes(tag)) throw new ApiError(404, `Instance ${row.uuid} has no tag '${tag}'`);
    await changeServer(deps.db, res, row, 'delete tag', TAG_VM_STATES, [{ type: 'tag_removed', tag }]);
    res.status(204).end();
  });

  return router;
}
