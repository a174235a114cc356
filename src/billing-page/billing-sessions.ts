import type { Caller } from '../auth/caller.js';
import type { BillingScope, BillingSession, Store } from '../store/store.js';
import type { SubscriptionOwnership } from '../subscriptions/subscription-ownership.js';
import { hashToken, newToken, TOKEN_SHAPE } from './billing-tokens.js';

/** A link opens the page once, within 5 minutes of being made (as Stripe's portal links are short-lived). */
export const LINK_TTL_MS = 5 * 60_000;
/** A session lasts an hour after its last use. */
export const SESSION_TTL_MS = 60 * 60_000;
/** Expired rows removed whenever a link is made or a session starts (bounded work per request). */
const EXPIRED_SWEEP = 100;

export interface BillingSessionDeps {
  store: Pick<Store, 'billingSessions'>;
  ownership: Pick<SubscriptionOwnership, 'assertOwned'>;
  now: () => number;
}

/** A session's token (for the cookie only) and what it is scoped to. */
export interface OpenedSession {
  sessionToken: string;
  scope: BillingScope;
  expiresAt: number;
}

/**
 * Makes a single-use link to the billing page of one customer, for the operator's backend. A
 * named subscription must be the customer's. Returns the link token (never stored) and expiry.
 */
export async function createBillingLink(deps: BillingSessionDeps, caller: Caller, scope: BillingScope): Promise<{ token: string; expiresAt: number }> {
  if (scope.subscriptionId) await deps.ownership.assertOwned(caller, scope.customerId, scope.subscriptionId);
  const now = deps.now();
  await deps.store.billingSessions.deleteExpired(now, EXPIRED_SWEEP);
  const token = newToken();
  const expiresAt = now + LINK_TTL_MS;
  await deps.store.billingSessions.createLink(hashToken(token), scope, expiresAt, now);
  return { token, expiresAt };
}

/**
 * Starts a session for a scope already checked (a redeemed link, or a verified JWT). A session
 * opened with a JWT passes the token's exp as `notAfter`: it ends then, however recently used.
 */
export async function startSession(deps: BillingSessionDeps, scope: BillingScope, notAfter: number | null = null): Promise<OpenedSession> {
  const now = deps.now();
  await deps.store.billingSessions.deleteExpired(now, EXPIRED_SWEEP);
  const sessionToken = newToken();
  await deps.store.billingSessions.createSession(hashToken(sessionToken), scope, now + SESSION_TTL_MS, now, notAfter);
  return { sessionToken, scope, expiresAt: notAfter === null ? now + SESSION_TTL_MS : Math.min(now + SESSION_TTL_MS, notAfter) };
}

/**
 * Exchanges a link token for a session. Null for a token that is malformed, unknown, expired or
 * already used: the caller shows one and the same page for all of them.
 */
export async function openLink(deps: BillingSessionDeps, token: string): Promise<OpenedSession | null> {
  if (!TOKEN_SHAPE.test(token)) return null;
  const scope = await deps.store.billingSessions.redeemLink(hashToken(token), deps.now());
  return scope ? startSession(deps, scope) : null;
}

/** The live session of a cookie value, its expiry moved an hour ahead; null when there is none. */
export async function resumeSession(deps: BillingSessionDeps, sessionToken: string | undefined): Promise<BillingSession | null> {
  if (sessionToken === undefined || !TOKEN_SHAPE.test(sessionToken)) return null;
  const now = deps.now();
  return deps.store.billingSessions.touchSession(hashToken(sessionToken), now, now + SESSION_TTL_MS);
}

/** A caller for the routes the page uses: a browser user of exactly one customer. */
export function sessionCaller(sessionToken: string, customerId: string): Caller {
  return { kind: 'jwt', id: `billing_session:${hashToken(sessionToken).slice(0, 16)}`, customerId };
}
