/**
 * os-keypairs: a user's SSH public keys (and x509 certificates) to inject into servers. List (paged by name from
 * 2.35), show, create — importing a public key, or before 2.92 generating a key pair whose private key is shown
 * only in that answer — and delete. Admins may act on another user's key pairs with `user_id` (2.10+).
 */
import { Router, type Request, type Response } from 'express';
import { countKeyPairs, createKeyPair, deleteKeyPair, getKeyPair, KEY_PAIRS_QUOTA, listKeyPairs, MarkerNotFound, type KeyPairRow } from '../../activities/control/db/keypairs.ts';
import { fingerprint, generateKeyPairOf, InvalidKeypair, type GeneratedKeyPair } from '../../activities/control/ssh-keys.ts';
import { enforce } from '../auth/policy.ts';
import { ApiError } from '../faults.ts';
import type { Microversion } from '../microversion.ts';
import { bind, param } from '../openapi/route.ts';
import type { components } from '../../schema/generated/compute/keypairs.d.ts';
import type { ComputeDeps } from './deps.ts';
import { collectionUrl } from './links.ts';
import { novaTime } from './time.ts';

type CreateBody = components['schemas']['KeypairCreateRequest'];

/** Nova's `[api] max_limit`. */
const MAX_LIMIT = 1000;
/** Key pair names before 2.92: letters, digits, space, `_` and `-`, no leading or trailing space. */
const NAME_BEFORE_2_92 = /^(?! )[_ a-zA-Z0-9-]+(?<! )$/;

const shown = (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value));

/** A 400 worded as the request validation words it, for the parts of Nova's schemas that vary by microversion. */
export function invalidInput(field: string, value: unknown, reason: string): ApiError {
  return new ApiError(400, `Invalid input for field/attribute ${field}. Value: ${shown(value)}. ${reason}`);
}

export const unexpected = (field: string, value: unknown, extra: string) =>
  invalidInput(field, value, `Additional properties are not allowed ('${extra}' was unexpected)`);

/** From the microversion where Nova's query schema stops allowing unknown parameters. */
export function refuseUnknownQuery(req: Request, known: readonly string[]): void {
  const extra = Object.keys(req.query as object).find((k) => !known.includes(k));
  if (extra !== undefined) throw new ApiError(400, `Additional properties are not allowed ('${extra}' was unexpected)`);
}

function summaryView(row: KeyPairRow, v: Microversion) {
  return {
    name: row.name,
    public_key: row.public_key,
    fingerprint: row.fingerprint,
    ...(v.atLeast('2.2') ? { type: row.type } : {}),
  };
}

function fullView(row: KeyPairRow, v: Microversion) {
  return {
    name: row.name,
    public_key: row.public_key,
    fingerprint: row.fingerprint,
    user_id: row.user_id,
    created_at: novaTime(row.created_at)!,
    deleted: false as const,
    deleted_at: null,
    id: Number(row.id),
    updated_at: novaTime(row.updated_at),
    ...(v.atLeast('2.2') ? { type: row.type } : {}),
  };
}

/** The user whose key pairs the request is about: `?user_id=` from 2.10 (policy lets only admins name another). */
function queryUser(req: Request, res: Response): string {
  const asked = (req.query as Record<string, string | undefined>).user_id;
  return (res.locals.microversion.atLeast('2.10') && asked) || res.locals.auth.userId;
}

const notFound = (name: string, userId: string) => new ApiError(404, `Keypair ${name} not found for user ${userId}`);
const overQuota = () => new ApiError(403, 'Quota exceeded, too many key pairs.');

/** The checks of Nova's create schemas that differ by microversion (type 2.2+, user_id 2.10+, 2.92 rules). */
function checkCreateBody(body: CreateBody, v: Microversion): void {
  const keypair = body.keypair;
  if (keypair.type !== undefined && !v.atLeast('2.2')) throw unexpected('keypair', keypair, 'type');
  if (keypair.user_id !== undefined && !v.atLeast('2.10')) throw unexpected('keypair', keypair, 'user_id');
  if (v.atLeast('2.92')) {
    if (keypair.public_key === undefined) throw invalidInput('keypair', keypair, "'public_key' is a required property");
  } else if (!NAME_BEFORE_2_92.test(keypair.name)) {
    throw invalidInput('name', keypair.name, `must match pattern "${NAME_BEFORE_2_92.source}"`);
  }
}

export function keypairRoutes(deps: ComputeDeps): Router {
  const router = Router();
  const opts = { validateResponses: deps.validateResponses };

  bind(router, 'listKeypairs', opts, async (req, res) => {
    const v = res.locals.microversion;
    if (v.atLeast('2.75')) refuseUnknownQuery(req, ['user_id', 'limit', 'marker']);
    const q = req.query as Record<string, string | undefined>;
    const userId = queryUser(req, res);
    enforce(res.locals.auth, 'os_compute_api:os-keypairs:index', { userId });
    const paged = v.atLeast('2.35');
    if (paged && q.limit !== undefined && !/^[0-9]+$/.test(q.limit)) {
      throw new ApiError(400, `Invalid input for query parameters limit. Value: ${q.limit}. must match pattern "^[0-9]+$"`);
    }
    const limit = paged ? Math.min(MAX_LIMIT, q.limit !== undefined ? Number(q.limit) : MAX_LIMIT) : undefined;
    let rows: KeyPairRow[];
    try {
      rows = await listKeyPairs(deps.db, userId, { limit, marker: paged ? q.marker : undefined });
    } catch (err) {
      if (err instanceof MarkerNotFound) throw new ApiError(400, `Marker ${err.message} could not be found.`);
      throw err;
    }
    const body: Record<string, unknown> = { keypairs: rows.map((r) => ({ keypair: summaryView(r, v) })) };
    if (paged && limit && rows.length === limit) {
      const params = Object.fromEntries(Object.entries({ ...q, marker: rows.at(-1)!.name }).sort(([a], [b]) => (a < b ? -1 : 1)));
      const next = new URLSearchParams(params as Record<string, string>);
      body.keypairs_links = [{ rel: 'next', href: `${collectionUrl(res, deps.publicUrl, 'os-keypairs')}?${next}` }];
    }
    res.json(body);
  });

  bind(router, 'showKeypair', opts, async (req, res) => {
    const v = res.locals.microversion;
    if (v.atLeast('2.75')) refuseUnknownQuery(req, ['user_id']);
    const userId = queryUser(req, res);
    enforce(res.locals.auth, 'os_compute_api:os-keypairs:show', { userId });
    const name = param(req, 'keypair_name');
    const row = await getKeyPair(deps.db, userId, name);
    if (!row) throw notFound(name, userId);
    res.json({ keypair: fullView(row, v) });
  });

  bind(router, 'createKeypair', opts, async (req, res) => {
    const v = res.locals.microversion;
    const body = req.body as CreateBody;
    checkCreateBody(body, v);
    const { name, public_key: publicKey } = body.keypair;
    const type = body.keypair.type ?? 'ssh';
    const userId = (v.atLeast('2.10') && body.keypair.user_id) || res.locals.auth.userId;
    enforce(res.locals.auth, 'os_compute_api:os-keypairs:create', { userId });
    if ((await countKeyPairs(deps.db, userId)) >= KEY_PAIRS_QUOTA) throw overQuota();

    let key: Omit<GeneratedKeyPair, 'privateKey'> & { privateKey?: string };
    if (publicKey !== undefined) {
      try {
        key = { publicKey, fingerprint: fingerprint(publicKey, type) };
      } catch (err) {
        if (err instanceof InvalidKeypair) throw new ApiError(400, `Keypair data is invalid: ${err.message}`);
        throw err;
      }
    } else {
      key = await generateKeyPairOf(type, userId);
    }
    const created = await createKeyPair(deps.db, { userId, name, type, publicKey: key.publicKey, fingerprint: key.fingerprint });
    if (created === 'over-quota') throw overQuota();
    if (created === 'exists') throw new ApiError(409, `Key pair '${name}' already exists.`);
    res.status(v.atLeast('2.2') ? 201 : 200).json({
      keypair: {
        ...(key.privateKey !== undefined ? { private_key: key.privateKey } : {}),
        ...(v.atLeast('2.2') ? { type: created.type } : {}),
        name: created.name,
        public_key: created.public_key,
        fingerprint: created.fingerprint,
        user_id: created.user_id,
      },
    });
  });

  bind(router, 'deleteKeypair', opts, async (req, res) => {
    const v = res.locals.microversion;
    if (v.atLeast('2.75')) refuseUnknownQuery(req, ['user_id']);
    const userId = queryUser(req, res);
    enforce(res.locals.auth, 'os_compute_api:os-keypairs:delete', { userId });
    const name = param(req, 'keypair_name');
    if (!(await deleteKeyPair(deps.db, userId, name))) throw notFound(name, userId);
    res.status(v.atLeast('2.2') ? 204 : 202).end();
  });

  return router;
}
