/**
 * Request validation with zod schemas: a failure becomes a 400 naming the field, worded per service
 * (Nova: "Invalid input for field/attribute X. Value: V. reason"; Keystone: "Invalid input for field 'X': reason").
 */
import type { z } from 'zod';
import { ApiError } from './faults.ts';

export type ValidationStyle = 'nova' | 'keystone';

function fieldPath(path: readonly PropertyKey[]): string {
  return path.map(String).join('.') || 'body';
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = input;
  for (const key of path) v = v !== null && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[key] : undefined;
  return v;
}

export function validate<S extends z.ZodType>(schema: S, input: unknown, style: ValidationStyle = 'nova'): z.output<S> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const field = fieldPath(issue.path);
  const message =
    style === 'keystone'
      ? `Invalid input for field '${field}': ${issue.message}`
      : `Invalid input for field/attribute ${field}. Value: ${JSON.stringify(valueAt(input, issue.path)) ?? 'None'}. ${issue.message}`;
  throw new ApiError(400, message);
}
