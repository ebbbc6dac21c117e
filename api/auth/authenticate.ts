/**
 * Token authentication for every service (keystonemiddleware's job): `X-Auth-Token` must name a valid token,
 * else 401 with Keystone's body and a `WWW-Authenticate` header pointing at the identity service.
 */
import type { RequestHandler } from 'express';
import type pg from 'pg';
import { validateToken } from '../../activities/services/identity/tokens.ts';
import { keystoneFormat } from '../faults.ts';
import { contextFromToken } from './context.ts';

export const AUTH_REQUIRED = 'The request you have made requires authentication.';

export function authenticate(deps: { db: pg.Pool; publicUrl: string }): RequestHandler {
  const challenge = `Keystone uri="${deps.publicUrl}/identity"`;
  return async (req, res, next) => {
    const token = req.get('x-auth-token');
    let info;
    try {
      info = token ? await validateToken(deps.db, token) : undefined;
    } catch (err) {
      return next(err);
    }
    if (token && info) {
      res.locals.auth = contextFromToken(token, info);
      return next();
    }
    res.status(401).set('WWW-Authenticate', challenge).json(keystoneFormat(401, AUTH_REQUIRED));
  };
}
