import type { RequestHandler, Response } from 'express';
import type { Authenticator } from '../../auth/authenticator.js';
import type { Caller } from '../../auth/caller.js';

/** Requires a valid API key or JWT; the Caller is then available through callerOf(res). */
export function authenticate(authenticator: Authenticator): RequestHandler {
  return async (req, res, next) => {
    res.locals.caller = await authenticator.authenticate(req.get('authorization'));
    next();
  };
}

export function callerOf(res: Response): Caller {
  const caller = res.locals.caller as Caller | undefined;
  if (!caller) throw new Error('callerOf() used on a route without authenticate()');
  return caller;
}
