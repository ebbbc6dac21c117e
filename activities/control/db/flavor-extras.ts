/** Flavor extra specs and private-flavor access lists: plain queries on `flavor_extra_specs` and `flavor_projects`. */
import type pg from 'pg';
import { inTransaction } from '../../db/transaction.ts';

type Queryable = Pick<pg.Pool, 'query'>;

/** Sets (adds or replaces) the given extra specs of a flavor (internal id) in one transaction. */
export async function setExtraSpecs(pool: pg.Pool, flavorId: string, specs: Record<string, string>): Promise<void> {
  await inTransaction(pool, async (db) => {
    for (const [key, value] of Object.entries(specs)) {
      await db.query(
        `INSERT INTO flavor_extra_specs (flavor_id, key, value) VALUES ($1, $2, $3)
         ON CONFLICT (flavor_id, key) DO UPDATE SET value = EXCLUDED.value`,
        [flavorId, key, value],
      );
    }
    await db.query('UPDATE flavors SET updated_at = now() WHERE id = $1', [flavorId]);
  });
}

/** Removes one extra spec; false when the flavor had no such key. */
export async function deleteExtraSpec(db: Queryable, flavorId: string, key: string): Promise<boolean> {
  const result = await db.query('DELETE FROM flavor_extra_specs WHERE flavor_id = $1 AND key = $2', [flavorId, key]);
  return (result.rowCount ?? 0) > 0;
}

export async function listFlavorProjects(db: Queryable, flavorId: string): Promise<string[]> {
  const result = await db.query<{ project_id: string }>('SELECT project_id FROM flavor_projects WHERE flavor_id = $1 ORDER BY project_id', [flavorId]);
  return result.rows.map((r) => r.project_id);
}

/** Shares a private flavor with a project; false when it already was. */
export async function addFlavorProject(db: Queryable, flavorId: string, projectId: string): Promise<boolean> {
  const result = await db.query('INSERT INTO flavor_projects (flavor_id, project_id) VALUES ($1, $2) ON CONFLICT DO NOTHING', [flavorId, projectId]);
  return (result.rowCount ?? 0) > 0;
}

/** Stops sharing; false when it was not shared with the project. */
export async function removeFlavorProject(db: Queryable, flavorId: string, projectId: string): Promise<boolean> {
  const result = await db.query('DELETE FROM flavor_projects WHERE flavor_id = $1 AND project_id = $2', [flavorId, projectId]);
  return (result.rowCount ?? 0) > 0;
}

export async function projectExists(db: Queryable, projectId: string): Promise<boolean> {
  const result = await db.query('SELECT 1 FROM projects WHERE id = $1', [projectId]);
  return (result.rowCount ?? 0) > 0;
}
