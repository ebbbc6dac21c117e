/** Registers Novaflow's custom search attributes on the namespace (dev server or a real cluster), idempotently. */
import type { Connection } from '@temporalio/client';
import proto from '@temporalio/proto';
import { allSearchAttributes } from '../workflows/search-attributes.ts';

const KEYWORD = proto.temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD;

export async function ensureSearchAttributes(connection: Connection, namespace: string): Promise<string[]> {
  const existing = await connection.operatorService.listSearchAttributes({ namespace });
  const known = new Set(Object.keys(existing.customAttributes ?? {}));
  const missing = allSearchAttributes.map((k) => k.name).filter((name) => !known.has(name));
  if (missing.length === 0) return [];
  try {
    await connection.operatorService.addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(missing.map((name) => [name, KEYWORD])),
    });
  } catch (err) {
    // Another process registered them at the same moment.
    if (!/already exists/i.test(String((err as Error).message))) throw err;
  }
  return missing;
}
