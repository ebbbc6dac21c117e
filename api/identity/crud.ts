/** The list / create / show / update / delete routes every identity entity shares, with Keystone's rules. */
import { Router, type Request } from 'express';
import {
  deleteRow,
  FOREIGN_KEY_VIOLATION,
  getRow,
  insertRow,
  listRows,
  pgCode,
  UNIQUE_VIOLATION,
  updateRow,
  type Row,
} from '../../activities/services/identity/table-store.ts';
import { enforce } from '../auth/policy.ts';
import { ApiError } from '../faults.ts';
import type { ServiceDeps } from '../service-deps.ts';
import { validate } from '../validation.ts';
import type { EntitySpec } from './entities.ts';
import { duplicate, notFound } from './errors.ts';

function listFilters(spec: EntitySpec, req: Request): Record<string, unknown> {
  const filters: Record<string, unknown> = {};
  for (const [param, { column, kind }] of Object.entries(spec.filters)) {
    const raw = req.query[param];
    if (typeof raw !== 'string') continue;
    if (kind === 'bool') {
      const lowered = raw.toLowerCase();
      if (!['true', 'false', '1', '0'].includes(lowered)) throw new ApiError(400, `Invalid input for field '${param}': expected a boolean`);
      filters[column] = lowered === 'true' || lowered === '1';
    } else filters[column] = raw;
  }
  return filters;
}

function body(spec: EntitySpec, req: Request): unknown {
  const wrapped = (req.body as Record<string, unknown> | undefined)?.[spec.member];
  if (wrapped === undefined || wrapped === null || typeof wrapped !== 'object' || Array.isArray(wrapped)) {
    throw new ApiError(400, `Invalid input for field '${spec.member}': an object is required`);
  }
  return wrapped;
}

/** Turns database constraint failures into Keystone's answers. */
async function storing<T>(spec: EntitySpec, values: Record<string, unknown>, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (err) {
    if (pgCode(err) === UNIQUE_VIOLATION) throw duplicate(spec.member, spec.conflict(values));
    if (pgCode(err) === FOREIGN_KEY_VIOLATION) {
      const missing = values.domain_id !== undefined ? ['domain', values.domain_id] : ['project', values.default_project_id];
      throw notFound(String(missing[0]), String(missing[1]));
    }
    throw err;
  }
}

export interface CrudHooks {
  /** Refuses a delete that Keystone refuses (e.g. an enabled or the default domain). */
  beforeDelete?(row: Row): void;
}

export function crudRoutes(spec: EntitySpec, deps: ServiceDeps, hooks: CrudHooks = {}): Router {
  const router = Router();
  const base = `${deps.publicUrl}/identity`;
  const load = async (id: string) => {
    const row = await getRow(deps.db, spec.table, id);
    if (!row) throw notFound(spec.member, id);
    return row;
  };

  router.get(`/${spec.collection}`, async (req, res) => {
    enforce(res.locals.auth, `identity:list_${spec.collection}`);
    const rows = await listRows(deps.db, spec.table, listFilters(spec, req));
    res.json({
      [spec.collection]: rows.map((r) => spec.view(r, base)),
      links: { self: `${base}/v3/${spec.collection}`, previous: null, next: null },
    });
  });

  router.post(`/${spec.collection}`, async (req, res) => {
    enforce(res.locals.auth, `identity:create_${spec.member}`);
    const input = validate(spec.create, body(spec, req), 'keystone');
    const values = await spec.toCreateRow(input, res.locals.auth);
    const row = await storing(spec, values, () => insertRow(deps.db, spec.table, values));
    res.status(201).json({ [spec.member]: spec.view(row, base) });
  });

  router.get(`/${spec.collection}/:id`, async (req, res) => {
    const row = await load(req.params.id!);
    enforce(res.locals.auth, `identity:get_${spec.member}`, spec.target(row));
    res.json({ [spec.member]: spec.view(row, base) });
  });

  router.patch(`/${spec.collection}/:id`, async (req, res) => {
    enforce(res.locals.auth, `identity:update_${spec.member}`);
    const row = await load(req.params.id!);
    const input = validate(spec.update, body(spec, req), 'keystone');
    const values = await spec.toUpdateRow(input);
    const updated = await storing(spec, { ...row, ...values }, () => updateRow(deps.db, spec.table, row.id, values));
    if (!updated) throw notFound(spec.member, row.id);
    res.json({ [spec.member]: spec.view(updated, base) });
  });

  router.delete(`/${spec.collection}/:id`, async (req, res) => {
    enforce(res.locals.auth, `identity:delete_${spec.member}`);
    const row = await load(req.params.id!);
    hooks.beforeDelete?.(row);
    try {
      if (!(await deleteRow(deps.db, spec.table, row.id))) throw notFound(spec.member, row.id);
    } catch (err) {
      if (pgCode(err) === FOREIGN_KEY_VIOLATION) {
        throw new ApiError(409, `Cannot delete ${spec.member} ${row.id}: it still has dependent ${spec.table === 'domains' ? 'projects or users' : 'resources'}.`);
      }
      throw err;
    }
    res.status(204).end();
  });

  return router;
}
