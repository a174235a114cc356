import type { RequestHandler, Response } from 'express';
import type { Caller } from '../auth/caller.js';
import { rateLimiter, type RateLimitDeps } from './rate-limiter.js';

const MINUTE_MS = 60_000;

export interface RouteLimitSettings {
  /** Requests per minute of one API key (a server acting for many customers). */
  apiKeyRequestsPerMinute: number;
  /** Requests per minute of one browser (JWT) user. */
  userRequestsPerMinute: number;
  /** Top-ups requested per minute for one customer, whoever asks. */
  topUpsPerCustomerPerMinute: number;
}

/** Records which (validated) customer a request acts for, for the per-customer limits. */
export function setActingCustomer(res: Response, customerId: string): void {
  res.locals.actingCustomerId = customerId;
}

function actingCustomerOf(res: Response): string | null {
  const id = res.locals.actingCustomerId as unknown;
  return typeof id === 'string' ? id : null;
}

function callerOf(res: Response): Caller | null {
  return (res.locals.caller as Caller | undefined) ?? null;
}

/**
 * The rate limits of the routes that cost Stripe calls or move money, built once per app so a
 * caller's count is shared by every route it calls. Later routes (checkout, auto-recharge,
 * billing) use `perCaller` after authentication and `perCustomer(name, limit)` once they know
 * the validated customer (setActingCustomer).
 */
export class RouteLimits {
  /** Per authenticated caller (API key or browser user), across all the limited routes. */
  readonly perCaller: RequestHandler;
  /** Per customer on POST /top-up. */
  readonly topUpsPerCustomer: RequestHandler;

  constructor(
    settings: RouteLimitSettings,
    private readonly deps: RateLimitDeps,
  ) {
    this.perCaller = rateLimiter(
      {
        name: 'requests-per-caller',
        windowMs: MINUTE_MS,
        limit: (_req, res) => (callerOf(res)?.kind === 'jwt' ? settings.userRequestsPerMinute : settings.apiKeyRequestsPerMinute),
        key: (_req, res) => {
          const caller = callerOf(res);
          return caller ? `${caller.kind}:${caller.id}` : null;
        },
      },
      deps,
    );
    this.topUpsPerCustomer = this.perCustomer('top-ups-per-customer', settings.topUpsPerCustomerPerMinute);
  }

  /** A per-customer limit for one route (its own counter). */
  perCustomer(name: string, perMinute: number): RequestHandler {
    return rateLimiter({ name, windowMs: MINUTE_MS, limit: perMinute, key: (_req, res) => actingCustomerOf(res) }, this.deps);
  }
}
