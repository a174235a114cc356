import { createHash } from 'node:crypto';
import { ApiError } from '../http/api-error.js';
import type { LedgerEntry, LedgerType, OutboxEntry } from '../ledger/ledger-entry.js';
import { CREDITS_CURRENCY } from '../money/credit-units.js';
import type { Store } from '../store/store.js';
import type { StripeGateway } from '../stripe/stripe-gateway.js';
import type { SubscriptionOwnership } from '../subscriptions/subscription-ownership.js';
import { companyIdOf } from '../top-ups/create-top-up.js';

export interface GrantDeps {
  store: Pick<Store, 'outbox'>;
  stripe: Pick<StripeGateway, 'getCustomer'>;
  ownership: Pick<SubscriptionOwnership, 'assertOwned'>;
  companyIdMetadataKey: string | undefined;
  now: () => number;
  /** Wakes the delivery worker. */
  onQueued: () => void;
}

/** An operator's change to a customer's credits, in micro-credits (credit-units.ts). */
export interface CreditChange {
  customerId: string;
  subscriptionId?: string;
  /** Promotions: positive. Adjustments: signed, never 0. */
  microCredits: number;
  /** Unix ms; promotions only. */
  activeAt?: number;
  expireAt?: number;
  reason?: string;
  /** Required: a retried grant with the same key is the same grant. */
  idempotencyKey: string;
}

export interface GrantResult {
  /** False when the key was used before with the same request: nothing new was queued. */
  created: boolean;
  entry: OutboxEntry;
}

const ADMIN = { kind: 'api_key', id: 'admin' } as const;

/**
 * The Moesif transaction id of an operator's change: from the customer and the Idempotency-Key
 * only, so a retry (even from another instance, or after a crash) names the same transaction and
 * the outbox's primary key keeps it to one.
 */
export function grantTransactionId(type: LedgerType, customerId: string, idempotencyKey: string): string {
  const prefix = type === 'promotion' ? 'promo' : 'adj';
  return `${prefix}_${createHash('sha256').update(`${type}\n${customerId}\n${idempotencyKey}`).digest('hex').slice(0, 32)}`;
}

/** Whether a stored entry is what `wanted` asks for (a subscription resolved since does not count). */
function sameRequest(stored: OutboxEntry, wanted: LedgerEntry): boolean {
  return (
    stored.customerId === wanted.customerId &&
    stored.kind === wanted.kind &&
    stored.ledgerType === wanted.ledgerType &&
    stored.amountMinor === wanted.amountMinor &&
    stored.currency === wanted.currency &&
    (stored.activeAt ?? null) === (wanted.activeAt ?? null) &&
    (stored.expireAt ?? null) === (wanted.expireAt ?? null) &&
    stored.description === wanted.description &&
    (wanted.subscriptionId === null || stored.subscriptionId === wanted.subscriptionId)
  );
}

async function existing(deps: GrantDeps, wanted: LedgerEntry): Promise<GrantResult | null> {
  const stored = await deps.store.outbox.get(wanted.transactionId);
  if (!stored) return null;
  if (!sameRequest(stored, wanted)) {
    throw new ApiError('idempotency_key_reused', 'This Idempotency-Key was already used with a different request body.');
  }
  return { created: false, entry: stored };
}

async function queueChange(deps: GrantDeps, type: LedgerType, change: CreditChange, description: string): Promise<GrantResult> {
  const transactionId = grantTransactionId(type, change.customerId, change.idempotencyKey);
  const draft: LedgerEntry = {
    transactionId,
    kind: change.microCredits < 0 ? 'debit' : 'credit',
    customerId: change.customerId,
    companyId: change.customerId,
    subscriptionId: change.subscriptionId ?? null,
    amountMinor: Math.abs(change.microCredits),
    currency: CREDITS_CURRENCY,
    credits: null,
    paymentIntentId: transactionId,
    description,
    ledgerType: type,
    activeAt: change.activeAt ?? null,
    expireAt: change.expireAt ?? null,
  };
  // A retry answers from the store without asking Stripe again.
  const before = await existing(deps, draft);
  if (before) return before;

  const customer = await deps.stripe.getCustomer(change.customerId);
  if (!customer || customer.deleted) throw new ApiError('customer_not_found', 'No such Stripe customer.');
  if (change.subscriptionId) await deps.ownership.assertOwned(ADMIN, customer.id, change.subscriptionId);
  const entry: LedgerEntry = { ...draft, companyId: companyIdOf(customer, deps.companyIdMetadataKey) };
  if (await deps.store.outbox.enqueue(entry, 'grant', deps.now())) {
    deps.onQueued();
    return { created: true, entry: (await deps.store.outbox.get(transactionId))! };
  }
  // Another request with the same key won the race: the same answer, or a conflict.
  return (await existing(deps, entry))!;
}

/** Promotional credits (Moesif `type` promotion), optionally active from / expiring at a time. */
export function grantPromotion(deps: GrantDeps, change: CreditChange): Promise<GrantResult> {
  if (change.microCredits <= 0) throw new Error('a promotion grants a positive amount');
  return queueChange(deps, 'promotion', change, change.reason ?? 'Promotional credits');
}

/** A signed correction (Moesif `type` adjustment) with the reason it was made. */
export function adjustCredits(deps: GrantDeps, change: CreditChange & { reason: string }): Promise<GrantResult> {
  if (change.microCredits === 0) throw new Error('an adjustment changes the balance');
  return queueChange(deps, 'adjustment', { ...change, activeAt: undefined, expireAt: undefined }, change.reason);
}
