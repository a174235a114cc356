import { createHash, randomUUID } from 'node:crypto';
import type { Caller } from '../auth/caller.js';
import type { TopUpRequest } from './top-up-request.js';

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/** Idempotency-Key: printable ASCII, up to 200 characters (Stripe allows 255; we add a prefix). */
export const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,200}$/;

export interface IdempotencyScope {
  /** Our store's key: the caller, the customer and the client's key together. */
  scope: string;
  /** What the request asked for; a replay must ask for the same. */
  fingerprint: string;
  /** What Stripe sees: the same for every retry of one request. */
  stripeKey: string;
}

/**
 * Derives the Stripe idempotency key from the client's Idempotency-Key, scoped to the caller and
 * customer so two callers' keys never collide. Without a client key every request is new.
 */
export function idempotencyScope(caller: Caller, request: TopUpRequest, clientKey: string | undefined): IdempotencyScope | null {
  const p = request.purchase;
  // An amount's fingerprint is what it was before packs existed, so keys stored then still match.
  const what = p.kind === 'amount' ? [p.amountMinor, p.currency] : [{ pack: p.priceId }, null];
  return scoped([caller.kind, caller.id, request.customerId], [...what, request.paymentMethodId, request.subscriptionId, request.flow], clientKey);
}

/**
 * The same for another endpoint: `who` names the endpoint besides the caller and customer (one
 * client key used on two endpoints is two requests), `what` is everything the request asked for.
 */
export function scoped(who: unknown[], what: unknown[], clientKey: string | undefined): IdempotencyScope | null {
  if (clientKey === undefined) return null;
  const scope = sha256(JSON.stringify([...who, clientKey]));
  return { scope, fingerprint: sha256(JSON.stringify(what)), stripeKey: `topup-sync-${scope}` };
}

export function oneOffStripeKey(): string {
  return `topup-sync-${randomUUID()}`;
}
