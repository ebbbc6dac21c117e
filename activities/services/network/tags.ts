/** Tags on networks, subnets, ports and security groups (Neutron's standard-attr-tag). */
import type { Queryable } from './db.ts';

export type TaggedTable = 'networks' | 'subnets' | 'ports' | 'security_groups';

const TABLES: readonly TaggedTable[] = ['networks', 'subnets', 'ports', 'security_groups'];

function table(name: TaggedTable): string {
  if (!TABLES.includes(name)) throw new Error(`no tags on ${name}`);
  return name;
}

/** Replaces every tag; returns the new tags (sorted, without duplicates), undefined when there is no such row. */
export async function setTags(db: Queryable, on: TaggedTable, id: string, tags: string[]): Promise<string[] | undefined> {
  const unique = [...new Set(tags)].sort();
  const result = await db.query<{ tags: string[] }>(
    `UPDATE ${table(on)} SET tags = $2, revision_number = revision_number + 1, updated_at = now() WHERE id = $1 RETURNING tags`,
    [id, unique],
  );
  return result.rows[0]?.tags;
}

export async function addTag(db: Queryable, on: TaggedTable, id: string, tag: string): Promise<boolean> {
  const result = await db.query(
    `UPDATE ${table(on)} SET tags = CASE WHEN $2 = ANY(tags) THEN tags ELSE array_append(tags, $2) END,
            revision_number = revision_number + CASE WHEN $2 = ANY(tags) THEN 0 ELSE 1 END,
            updated_at = CASE WHEN $2 = ANY(tags) THEN updated_at ELSE now() END
      WHERE id = $1`,
    [id, tag],
  );
  return (result.rowCount ?? 0) > 0;
}

/** Removes one tag; 'absent-row' / 'absent-tag' say what was missing. */
export async function removeTag(db: Queryable, on: TaggedTable, id: string, tag: string): Promise<'removed' | 'absent-row' | 'absent-tag'> {
  const result = await db.query<{ had: boolean }>(
    `UPDATE ${table(on)} t SET tags = array_remove(t.tags, $2), revision_number = t.revision_number + 1, updated_at = now()
       FROM (SELECT id, $2 = ANY(tags) AS had FROM ${table(on)} WHERE id = $1) old
      WHERE t.id = old.id AND old.had
      RETURNING old.had`,
    [id, tag],
  );
  if (result.rowCount) return 'removed';
  const exists = await db.query(`SELECT 1 FROM ${table(on)} WHERE id = $1`, [id]);
  return exists.rowCount ? 'absent-tag' : 'absent-row';
}
