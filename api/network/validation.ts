/**
 * Request bodies as Neutron checks them: `{"<resource>": {...}}`, no attribute Neutron would not recognise
 * ("Unrecognized attribute(s) 'x'"), none that may not change on update ("Cannot update read-only attribute x"),
 * and each value of the right form ("Invalid input for name. Reason: ..."). Always a 400, never a 500.
 */
import { z } from 'zod';
import { badRequest } from '../../activities/services/network/errors.ts';

function describe(issue: z.core.$ZodIssue, input: unknown): string {
  let value: unknown = input;
  for (const key of issue.path) value = value !== null && typeof value === 'object' ? (value as Record<PropertyKey, unknown>)[key] : undefined;
  const shown = typeof value === 'string' ? value : JSON.stringify(value);
  switch (issue.code) {
    case 'invalid_type':
      return `'${shown}' is not a valid ${issue.expected === 'number' ? 'integer' : issue.expected}`;
    case 'too_big':
      return issue.origin === 'string' ? `'${shown}' exceeds maximum length of ${String(issue.maximum)}` : `'${shown}' is too large - must be no larger than '${String(issue.maximum)}'`;
    case 'too_small':
      return issue.origin === 'string' ? `'${shown}' is too short` : `'${shown}' is too small - must be at least '${String(issue.minimum)}'`;
    case 'invalid_value':
      return `${shown} is not in ${JSON.stringify(issue.values)}`;
    default:
      return issue.message;
  }
}

export interface BodyRules<S extends z.ZodType> {
  resource: string;
  schema: S;
  /** Attributes that exist but may not be sent (on update: id, network_id, cidr...). */
  readOnly?: readonly string[];
}

/** The resource object of a create or update body, checked against the schema. */
export function resourceBody<S extends z.ZodObject>(body: unknown, rules: BodyRules<S>): z.output<S> {
  const wrapper = body as Record<string, unknown> | null | undefined;
  const value = wrapper !== null && typeof wrapper === 'object' && !Array.isArray(wrapper) ? wrapper[rules.resource] : undefined;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw badRequest(`Unable to find '${rules.resource}' in request body`);
  }
  const attributes = Object.keys(value);
  const readOnly = attributes.filter((a) => rules.readOnly?.includes(a));
  if (readOnly.length > 0) throw badRequest(`Cannot update read-only attribute ${readOnly[0]}`);
  const known = new Set(Object.keys(rules.schema.shape));
  const unknown = attributes.filter((a) => !known.has(a));
  if (unknown.length > 0) throw badRequest(`Unrecognized attribute(s) '${unknown.join(', ')}'`);
  const parsed = rules.schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  throw badRequest(`Invalid input for ${String(issue.path[0] ?? rules.resource)}. Reason: ${describe(issue, value)}.`);
}

/** Neutron's booleans: JSON booleans, or "true"/"false" (any case). */
export const bool = z.preprocess((v) => {
  if (typeof v !== 'string') return v;
  const lower = v.toLowerCase();
  return lower === 'true' ? true : lower === 'false' ? false : v;
}, z.boolean());

export const name = z.string().max(255);
export const description = z.string().max(255);
export const projectId = z.string().min(1).max(255);
export const tags = z.array(z.string().min(1).max(255));
