/**
 * One transaction for the Moesif balance ledger, in the project's own terms. Built from a Stripe
 * object at the edge (see webhooks/translate-event.ts and top-ups/), stored in the outbox, and
 * turned into Moesif's wire format only by moesif/.
 */
export interface LedgerEntry {
  /** Deterministic id from the Stripe object (the PaymentIntent id for its credit). The outbox's primary key. */
  transactionId: string;
  kind: 'credit' | 'debit';
  /** The Stripe customer the money came from. */
  customerId: string;
  /** Moesif company_id. */
  companyId: string;
  /** Moesif subscription_id; null when it must still be resolved from the customer's Stripe subscriptions. */
  subscriptionId: string | null;
  /** Positive, in the currency's Stripe minor units. */
  amountMinor: number;
  currency: string;
  /**
   * The exact credits this entry moves when what was bought fixes them (a credit pack, or a
   * refund's share of one: see packs/credit-amount.ts); null: amountMinor at CREDIT_RATES.
   */
  credits: string | null;
  paymentIntentId: string;
  description: string;
  /**
   * Moesif's record type when it is not a purchase: a `promotion` (granted credits) or an
   * `adjustment` (a signed correction; `kind` is its sign). Absent for credits and debits of money.
   */
  ledgerType?: LedgerType | null;
  /** Unix ms from which Moesif counts the credits (Moesif `active_at`); absent = at once. */
  activeAt?: number | null;
  /** Unix ms at which Moesif drops what is left of the credits (Moesif `expire_at`); absent = never. */
  expireAt?: number | null;
  /**
   * How a purchase was sold when its id cannot say (a PaymentIntent id is the credit of a top-up,
   * a checkout and an auto-recharge alike): from the tag this service wrote on the PaymentIntent or
   * session, so the webhook and the fast path record the same. Absent/null: a plain top-up.
   */
  origin?: CreditOrigin | null;
}

export const CREDIT_ORIGINS = ['checkout', 'auto-recharge'] as const;
export type CreditOrigin = (typeof CREDIT_ORIGINS)[number];

export type LedgerType = 'promotion' | 'adjustment';

/** Where an outbox entry stands. `failed` = could not be built (e.g. no subscription); `dead` = Moesif refused it. */
export type DeliveryState = 'pending' | 'delivered' | 'failed' | 'dead';

export interface OutboxEntry extends LedgerEntry {
  state: DeliveryState;
  attempts: number;
  nextAttemptAt: number;
  lastError: string | null;
  lastStatus: number | null;
  /** What created it: `event:<stripe event id>` or `top-up`. */
  source: string;
  createdAt: number;
  deliveredAt: number | null;
}

/** An outbox entry claimed by one worker until `leaseUntil`; updates must present the token. */
export interface ClaimedEntry extends OutboxEntry {
  leaseToken: string;
}
