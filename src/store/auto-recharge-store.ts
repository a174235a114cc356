import type { OutgoingEventRecord } from './events-out-store.js';

/**
 * Auto-recharge settings (one per Moesif subscription), their change history, and the attempts
 * to charge. Credits are kept as integer micro-credits (6 decimals, the most a credit rate has)
 * so comparisons with a threshold are exact; money is integer minor units.
 */

/** Why a setting is paused. Lifted by a card change, a completed payment or an operator. */
export interface AutoRechargePause {
  kind: 'requires_action' | 'suspended';
  /** e.g. authentication_required, hard_decline:lost_card, soft_declines, no_usable_card, customer_deleted, card_retry_limit. */
  reason: string;
  /** The card fingerprint the pause is about (a different card lifts it); null when there was no card. */
  cardFingerprint: string | null;
  /** The PaymentIntent waiting for the customer (requires_action). */
  paymentIntentId: string | null;
  since: number;
}

export interface AutoRechargeConsent {
  termsVersion: string;
  acceptedAt: number;
  /** Who consented (`api_key:<fingerprint>` or `jwt:<subject>`). */
  caller: string;
}

export interface AutoRechargeSetting {
  subscriptionId: string;
  customerId: string;
  companyId: string;
  enabled: boolean;
  thresholdMicro: number;
  mode: 'fixed' | 'target';
  /** fixed mode: the amount of one recharge (minor units). */
  amountMinor: number | null;
  /** target mode: the balance to get back to (micro-credits). */
  targetMicro: number | null;
  currency: string;
  /** A credit pack (Stripe Price id) the recharge buys whole units of, instead of an amount. */
  packPriceId: string | null;
  paymentMethodId: string | null;
  monthlyCapMinor: number;
  maxPerDay: number;
  consent: AutoRechargeConsent | null;
  pause: AutoRechargePause | null;
  /** When the scheduler reads this subscription's balance next. */
  nextCheckAt: number;
  lastCheckedAt: number | null;
  /** What the last evaluation decided (above_threshold, cooldown, cap_reached, charged, …). */
  lastReason: string | null;
  createdAt: number;
  updatedAt: number;
}

export interface AutoRechargeHistoryRow {
  subscriptionId: string;
  at: number;
  caller: string;
  /** What changed: { field: [before, after] }, or { action: ... } for deletes, pauses and resumes. */
  change: Record<string, unknown>;
}

export type AttemptOutcome =
  /** Claimed; the charge is being made (or its process died: retaken with the same idempotency key). */
  | 'in_flight'
  | 'succeeded'
  /** Stripe is still settling the payment; counts as charged. */
  | 'processing'
  | 'requires_action'
  | 'hard_decline'
  | 'soft_decline'
  /** Stripe could not be reached: retried with the same attempt id, not counted as a decline. */
  | 'stripe_unavailable'
  /** Refused before any charge (no card, customer deleted, Stripe refused the parameters, …). */
  | 'failed'
  /** Was requires_action; its PaymentIntent was canceled (the card changed, auto-recharge stopped): it can no longer charge. */
  | 'canceled';

export interface AutoRechargeAttempt {
  /** Also the Stripe idempotency key of its charge. */
  id: string;
  subscriptionId: string;
  /** Unique per subscription: two deciders of one crossing cannot both claim the next sequence. */
  sequence: number;
  customerId: string;
  amountMinor: number;
  currency: string;
  /** The pack bought and how many (amountMinor is their price), or null for an amount. */
  pack: { priceId: string; quantity: number } | null;
  paymentMethodId: string | null;
  cardFingerprint: string | null;
  outcome: AttemptOutcome;
  reason: string | null;
  declineCode: string | null;
  paymentIntentId: string | null;
  clientSecret: string | null;
  /** available + in flight when it was decided (micro-credits). */
  balanceMicro: number;
  /** When a soft decline or an unreachable Stripe may be retried. */
  retryAt: number | null;
  createdAt: number;
  updatedAt: number;
}

export type AttemptResult = Pick<AutoRechargeAttempt, 'outcome' | 'reason' | 'declineCode' | 'paymentIntentId' | 'clientSecret' | 'retryAt'>;

/** Outcomes whose amount counts towards the monthly cap (charged, or possibly being charged). */
export const CHARGED_OUTCOMES: readonly AttemptOutcome[] = ['succeeded', 'processing', 'in_flight', 'stripe_unavailable'];

export interface AutoRechargeStore {
  get(subscriptionId: string): Promise<AutoRechargeSetting | null>;
  /** Inserts or replaces a setting and appends its history row, together. */
  put(setting: AutoRechargeSetting, history: AutoRechargeHistoryRow): Promise<void>;
  /** Deletes a setting (its attempts and history stay); false when there was none. */
  remove(subscriptionId: string, history: AutoRechargeHistoryRow): Promise<boolean>;
  history(subscriptionId: string, limit: number): Promise<AutoRechargeHistoryRow[]>;
  /** Sets or lifts the pause, with its history row and the outgoing events it causes, in one transaction. */
  setPause(subscriptionId: string, pause: AutoRechargePause | null, history: AutoRechargeHistoryRow, events?: readonly OutgoingEventRecord[]): Promise<void>;
  /** Records an evaluation's decision and when to look again. */
  checked(subscriptionId: string, at: number, reason: string, nextCheckAt: number): Promise<void>;
  /** Enabled settings whose next check is due, soonest first. */
  listDue(now: number, limit: number): Promise<AutoRechargeSetting[]>;
  listByCompany(companyIds: readonly string[], limit: number): Promise<AutoRechargeSetting[]>;
  /** Enabled settings paused this way, oldest pause first. */
  listPaused(kind: AutoRechargePause['kind'], limit: number): Promise<AutoRechargeSetting[]>;

  /** The latest attempts first. */
  listAttempts(subscriptionId: string, limit: number): Promise<AutoRechargeAttempt[]>;
  /** Inserts a new attempt; false when its (subscription, sequence) is taken (someone else decided first). */
  claimAttempt(attempt: AutoRechargeAttempt): Promise<boolean>;
  /** Moves an attempt from `from` back to in_flight (to charge again with the same id); false if it was not in `from`. */
  retakeAttempt(id: string, from: AttemptOutcome, updatedBefore: number, now: number): Promise<boolean>;
  /** Records an attempt's outcome with the outgoing events it causes, in one transaction. */
  finishAttempt(id: string, result: AttemptResult, now: number, events?: readonly OutgoingEventRecord[]): Promise<void>;
  getAttemptByPaymentIntent(paymentIntentId: string): Promise<AutoRechargeAttempt | null>;
  /** Sum of amounts in `currency` of attempts created at or after `since` with a charged outcome. */
  chargedSince(subscriptionId: string, currency: string, since: number): Promise<number>;
  /** Attempts that reached Stripe (any outcome but failed) created at or after `since`. */
  countSince(subscriptionId: string, since: number): Promise<number>;
  /** Attempts that reached Stripe with this card since `since`, across subscriptions. */
  countByFingerprintSince(cardFingerprint: string, since: number): Promise<number>;
}
