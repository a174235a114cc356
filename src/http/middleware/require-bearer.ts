import type { RequestHandler } from 'express';
import { ApiKeyVerifier } from '../../auth/api-key-verifier.js';
import { ApiError } from '../api-error.js';

/** Requires `Authorization: Bearer <key>` with one fixed key (constant-time comparison). */
export function requireBearer(key: string): RequestHandler {
  const verifier = new ApiKeyVerifier([key]);
  return (req, _res, next) => {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(req.get('authorization') ?? '');
    if (!match || !verifier.verify(match[1]!)) throw new ApiError('unauthenticated', 'Send Authorization: Bearer <key>.');
    next();
  };
}
