/**
 * Binds an OpenAPI operation to an express route: the path comes from the description, the request body and
 * query are validated against its schemas (Nova's 400 wording), and — where enabled (tests) — every JSON response
 * is checked against the schema of its status code. A test walks the router and fails on any route not bound
 * this way.
 */
import type { ErrorObject } from 'ajv';
import type { Request, RequestHandler, Router } from 'express';
import { ApiError } from '../faults.ts';
import { computeSpec, type Operation } from './spec.ts';

export const OPERATION = Symbol('novaflow.operation');
/** The microversion from which unknown query parameters are refused (nova-facts §1). */
export const STRICT_QUERY_VERSION = '2.102';

export interface BindOptions {
  /** Check each JSON response against the operation's schema for its status (tests turn this on). */
  validateResponses: boolean;
}

type Tagged = RequestHandler & { [OPERATION]?: Operation };

/** Nova's wording of a schema failure: "Invalid input for field/attribute X. Value: V. reason". */
function describe(error: ErrorObject, input: unknown, kind: 'body' | 'query'): string {
  const segments = error.instancePath.split('/').slice(1);
  let value: unknown = input;
  for (const s of segments) value = (value as Record<string, unknown> | undefined)?.[s];
  let field = segments.at(-1) ?? (kind === 'body' ? 'body' : 'query');
  let reason = error.message ?? 'is invalid';
  if (error.keyword === 'required') {
    const missing = (error.params as { missingProperty: string }).missingProperty;
    reason = `'${missing}' is a required property`;
  } else if (error.keyword === 'additionalProperties') {
    const extra = (error.params as { additionalProperty: string }).additionalProperty;
    field = segments.at(-1) ?? field;
    reason = `Additional properties are not allowed ('${extra}' was unexpected)`;
  } else if (error.keyword === 'enum') {
    reason = `${JSON.stringify(value)} is not one of ${JSON.stringify((error.params as { allowedValues: unknown[] }).allowedValues)}`;
  }
  const shown = value === undefined ? 'None' : typeof value === 'string' ? value : JSON.stringify(value);
  return kind === 'query'
    ? `Invalid input for query parameters ${field}. Value: ${shown}. ${reason}`
    : `Invalid input for field/attribute ${field}. Value: ${shown}. ${reason}`;
}

/** Versioned operations are described under `/v2.1` and bound in the router mounted there (and at `/v2`). */
function expressPath(openapiPath: string, mount: Operation['mount']): string {
  const p = openapiPath.replace(/\{([A-Za-z0-9_]+)\}/g, ':$1');
  return mount === 'versioned' && p.startsWith('/v2.1') ? p.slice('/v2.1'.length) || '/' : p;
}

function requestValidator(op: Operation): RequestHandler {
  const spec = computeSpec();
  const body = op.requestSchema ? spec.validator(op.file, op.requestSchema) : undefined;
  const query = op.querySchema ? spec.validator(op.file, op.querySchema) : undefined;
  const known = op.querySchema ? spec.queryNames(op.file, op.querySchema) : undefined;
  return (req, res, next) => {
    const version = res.locals.microversion;
    if (version && (op.minVersion || op.maxVersion) && !version.within(op.minVersion ?? '2.1', op.maxVersion)) {
      return next(new ApiError(404, 'The resource could not be found.'));
    }
    // From 2.102 a query parameter the operation does not know is an error; before, it is ignored.
    const unknown = known && version?.atLeast(STRICT_QUERY_VERSION) ? Object.keys(req.query).find((k) => !known.has(k)) : undefined;
    if (unknown !== undefined) {
      const value = req.query[unknown];
      return next(new ApiError(400, `Invalid input for query parameters ${unknown}. Value: ${typeof value === 'string' ? value : JSON.stringify(value)}. Additional properties are not allowed ('${unknown}' was unexpected)`));
    }
    if (query && !query(req.query)) return next(new ApiError(400, describe(query.errors![0]!, req.query, 'query')));
    if (body && !body(req.body ?? null)) return next(new ApiError(400, describe(body.errors![0]!, req.body, 'body')));
    next();
  };
}

function responseChecker(op: Operation): RequestHandler {
  const spec = computeSpec();
  return (_req, res, next) => {
    const json = res.json.bind(res);
    res.json = (payload: unknown) => {
      const pointer = op.responses[String(res.statusCode)];
      if (res.statusCode < 400 && pointer) {
        const check = spec.validator(op.file, pointer);
        if (!check(payload)) {
          const problem = `${op.operationId} ${res.statusCode} response breaks its schema at ${check.errors![0]!.instancePath || '/'}: ${check.errors![0]!.message}`;
          res.status(500);
          return json({ computeFault: { code: 500, message: problem } });
        }
      } else if (res.statusCode < 400 && !(String(res.statusCode) in op.responses)) {
        res.status(500);
        return json({ computeFault: { code: 500, message: `${op.operationId} answered ${res.statusCode}, which its description does not list` } });
      }
      return json(payload);
    };
    next();
  };
}

/** Registers `handlers` for the operation on `router`, after validation. */
export function bind(router: Router, operationId: string, options: BindOptions, ...handlers: RequestHandler[]): void {
  const op = computeSpec().operation(operationId);
  const validate: Tagged = requestValidator(op);
  validate[OPERATION] = op;
  const chain: RequestHandler[] = options.validateResponses ? [responseChecker(op), validate, ...handlers] : [validate, ...handlers];
  router[op.method](expressPath(op.path, op.mount), ...chain);
}

/** A path parameter as text. */
export function param(req: Request, name: string): string {
  return String(req.params[name]);
}
