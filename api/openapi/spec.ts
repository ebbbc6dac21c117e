/**
 * The compute API's OpenAPI 3.1 description, loaded from `schema/openapi/compute/*.yaml` (one file per
 * resource). The same schemas type the handlers (openapi-typescript) and validate requests here (ajv, JSON
 * Schema 2020-12, the dialect of OpenAPI 3.1). Files may refer to each other (`./common.yaml#/...`).
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import YAML from 'yaml';

export const specDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../schema/openapi/compute');
const BASE = 'https://novaflow.invalid/openapi/compute/';

export const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head'] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

interface JsonObject {
  [key: string]: unknown;
}

export interface Operation {
  operationId: string;
  method: HttpMethod;
  /** OpenAPI path, e.g. `/flavors/{flavor_id}`. */
  path: string;
  file: string;
  /** Where it is mounted: under `/compute/v2.1` (default) or at the compute root. */
  mount: 'versioned' | 'root';
  /** JSON pointer of the request body schema, when the operation takes one. */
  requestSchema?: string;
  querySchema?: string;
  /** Microversion range in which the operation exists (`x-novaflow-min-version` / `-max-version`). */
  minVersion?: string;
  maxVersion?: string;
  /** Status code → JSON pointer of its schema (undefined for bodiless responses). */
  responses: Record<string, string | undefined>;
}

function schemaRefOf(doc: JsonObject, pointer: string): string | undefined {
  let node: unknown = doc;
  for (const part of pointer.split('/').slice(1)) {
    node = (node as JsonObject | undefined)?.[part.replaceAll('~1', '/').replaceAll('~0', '~')];
  }
  return node === undefined ? undefined : pointer;
}

const escape = (s: string) => s.replaceAll('~', '~0').replaceAll('/', '~1');

export class ComputeSpec {
  readonly operations = new Map<string, Operation>();
  private readonly ajv: Ajv2020;
  private readonly cache = new Map<string, ValidateFunction>();
  private readonly docs = new Map<string, JsonObject>();

  constructor(dir = specDir) {
    this.ajv = new Ajv2020({ strict: false, allErrors: false, coerceTypes: false });
    addFormats.default(this.ajv);
    for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort()) {
      const doc = YAML.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as JsonObject;
      this.ajv.addSchema({ ...doc, $id: `${BASE}${file}` });
      this.docs.set(file, doc);
      this.collect(file, doc);
    }
  }

  private collect(file: string, doc: JsonObject): void {
    const paths = (doc.paths ?? {}) as Record<string, JsonObject>;
    for (const [p, item] of Object.entries(paths)) {
      for (const method of HTTP_METHODS) {
        const op = item[method] as JsonObject | undefined;
        if (!op) continue;
        const id = op.operationId as string;
        if (this.operations.has(id)) throw new Error(`operationId ${id} appears twice (${file})`);
        const base = `/paths/${escape(p)}/${method}`;
        const responses: Record<string, string | undefined> = {};
        for (const status of Object.keys((op.responses ?? {}) as JsonObject)) {
          responses[status] = schemaRefOf(doc, `${base}/responses/${status}/content/application~1json/schema`);
        }
        this.operations.set(id, {
          operationId: id,
          method,
          path: p,
          file,
          mount: op['x-novaflow-mount'] === 'root' ? 'root' : 'versioned',
          requestSchema: schemaRefOf(doc, `${base}/requestBody/content/application~1json/schema`),
          querySchema: schemaRefOf(doc, `${base}/x-novaflow-query`),
          minVersion: op['x-novaflow-min-version'] as string | undefined,
          maxVersion: op['x-novaflow-max-version'] as string | undefined,
          responses,
        });
      }
    }
  }

  operation(id: string): Operation {
    const op = this.operations.get(id);
    if (!op) throw new Error(`no operation ${id} in the compute OpenAPI description`);
    return op;
  }

  /** The schema object at `pointer` in `file`, following `$ref`s (local or to a sibling file). */
  resolve(file: string, pointer: string): JsonObject | undefined {
    let node: unknown = this.docs.get(file);
    for (const part of pointer.split('/').slice(1)) {
      node = (node as JsonObject | undefined)?.[part.replaceAll('~1', '/').replaceAll('~0', '~')];
    }
    const ref = (node as JsonObject | undefined)?.$ref;
    if (typeof ref !== 'string') return node as JsonObject | undefined;
    const [target, inner] = ref.split('#');
    return this.resolve(target ? path.basename(target) : file, inner ?? '');
  }

  /** The parameter names a query schema describes. */
  queryNames(file: string, pointer: string): Set<string> {
    return new Set(Object.keys((this.resolve(file, pointer)?.properties ?? {}) as JsonObject));
  }

  /** A compiled validator for the schema at `pointer` in `file`. */
  validator(file: string, pointer: string): ValidateFunction {
    const ref = `${BASE}${file}#${pointer}`;
    let fn = this.cache.get(ref);
    if (!fn) {
      fn = this.ajv.compile({ $ref: ref });
      this.cache.set(ref, fn);
    }
    return fn;
  }
}

let shared: ComputeSpec | undefined;
export function computeSpec(): ComputeSpec {
  shared ??= new ComputeSpec();
  return shared;
}
