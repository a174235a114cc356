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
  if (clientKey === undefined) return null;
  const scope = sha256(JSON.stringify([caller.kind, caller.id, request.customerId, clientKey]));
  const fingerprint = sha256(
    JSON.stringify([request.amountMinor, request.currency, request.paymentMethodId, request.subscriptionId, request.flow]),
  );
  return { scope, fingerprint, stripeKey: `topup-sync-${scope}` };
}

export function oneOffStripeKey(): string {
  return `topup-sync-${randomUUID()}`;
}
