import { createHash } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import { rateLimit } from 'express-rate-limit';
import { ApiError } from '../http/api-error.js';
import type { RateLimitStore } from '../store/rate-limit-store.js';
import { RateLimitStoreAdapter } from './store-adapter.js';

export interface RateLimitRule {
  /** Names the rule in keys and in the RateLimit headers (e.g. `top-ups-per-customer`). */
  name: string;
  /** Requests allowed per window; may depend on the caller. */
  limit: number | ((req: Request, res: Response) => number);
  windowMs: number;
  /**
   * What is counted: an authenticated caller's id, a validated customer id. Null skips the rule.
   * Hashed before use, so keys are bounded whatever the identity's length.
   */
  key: (req: Request, res: Response) => string | null;
}

export interface RateLimitDeps {
  store: RateLimitStore;
  now: () => number;
}

const digest = (s: string) => createHash('sha256').update(s).digest('base64url').slice(0, 32);

/**
 * One rate limit as Express middleware (express-rate-limit over the service's store). Over the
 * limit: 429 rate_limited in the one error shape, with Retry-After and RateLimit headers.
 * Reached only after authentication, so unauthenticated requests cannot fill the counters.
 */
export function rateLimiter(rule: RateLimitRule, deps: RateLimitDeps): RequestHandler {
  const secondsLeft = (req: Request) => {
    const resetTime = (req as Request & { rateLimit?: { resetTime?: Date } }).rateLimit?.resetTime;
    return resetTime ? Math.max(1, Math.ceil((resetTime.getTime() - deps.now()) / 1000)) : Math.ceil(rule.windowMs / 1000);
  };
  return rateLimit({
    windowMs: rule.windowMs,
    limit: rule.limit,
    store: new RateLimitStoreAdapter(deps.store, `${rule.name}:`, deps.now),
    keyGenerator: (req, res) => digest(rule.key(req, res) ?? ''),
    skip: (req, res) => rule.key(req, res) === null,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    identifier: rule.name,
    retryAfter: (req) => secondsLeft(req),
    // A store that cannot count answers like any store failure (503), never an unlimited pass.
    passOnStoreError: false,
    // Its checks are about IP keys and log to the console; our keys are not IPs.
    validate: false,
    handler: (req, _res, next) => {
      const seconds = secondsLeft(req);
      next(new ApiError('rate_limited', `Too many requests; retry in ${seconds} s.`, { retry_after_seconds: seconds }));
    },
  });
}
