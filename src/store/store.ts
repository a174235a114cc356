import type { ClaimedEntry, DeliveryState, LedgerEntry, OutboxEntry } from '../ledger/ledger-entry.js';

/** A verified Stripe event as kept in the store. */
export interface StripeEventRecord {
  id: string;
  type: string;
  /** Stripe's `created`, unix seconds. */
  created: number;
  livemode: boolean;
  /** The raw JSON body Stripe sent. */
  payload: string;
  outcome: 'queued' | 'ignored';
  /** Why it was ignored, or what it queued. */
  note: string;
}

export interface RecordEventResult {
  /** The event id was already recorded: nothing was written. */
  duplicate: boolean;
  /** How many outbox entries were new (an entry whose transaction id is already queued is skipped). */
  queued: number;
}

export interface TopUpRecord {
  paymentIntentId: string;
  customerId: string;
  companyId: string;
  subscriptionId: string | null;
  amountMinor: number;
  currency: string;
  flow: 'off_session' | 'on_session';
  /** The last PaymentIntent status we saw (at creation, then from payment_intent.* events). */
  status: string;
  /** Who asked for it (api key fingerprint or jwt subject); never the key itself. */
  caller: string;
  createdAt: number;
}

export interface InFlight {
  undelivered: OutboxEntry[];
  recentlyDelivered: OutboxEntry[];
  processing: TopUpRecord[];
}

export type IdempotencyClaim =
  | { kind: 'new' }
  | { kind: 'same'; paymentIntentId: string | null; firstSeenAt: number }
  | { kind: 'conflict' };

export interface DeliveryFailure {
  error: string;
  status: number | null;
}

/**
 * Everything the service keeps. Every method is atomic. Implementations: store/sqlite/.
 * The final exactly-once guard is the outbox's primary key on transaction_id.
 */
export interface Store {
  /** Throws when the store cannot be reached (readiness). */
  ping(): Promise<void>;
  close(): Promise<void>;

  /** Writes the event and the ledger entries it implies (those not already queued), in one transaction. */
  recordStripeEvent(event: StripeEventRecord, entries: readonly LedgerEntry[], now: number): Promise<RecordEventResult>;
  /** Queues an entry unless its transaction id is already known. Returns whether it was new. */
  enqueue(entry: LedgerEntry, source: string, now: number): Promise<boolean>;

  /** Reserves an Idempotency-Key scope for a request fingerprint. */
  claimIdempotencyKey(scope: string, fingerprint: string, now: number): Promise<IdempotencyClaim>;
  /** Remembers which PaymentIntent an idempotency scope produced. */
  completeIdempotencyKey(scope: string, paymentIntentId: string): Promise<void>;
  saveTopUp(topUp: TopUpRecord): Promise<void>;
  getTopUp(paymentIntentId: string): Promise<TopUpRecord | null>;
  setTopUpStatus(paymentIntentId: string, status: string): Promise<void>;
  /**
   * A customer's top-ups that a balance read at `deliveredSince` may not show: top-up credits
   * (not refund or dispute compensations) queued but not delivered, credits delivered at or after `deliveredSince`, and top-ups whose payment is
   * still processing (created at or after `processingSince`).
   */
  listInFlight(customerId: string, processingSince: number, deliveredSince: number): Promise<InFlight>;

  /** Takes up to `limit` due pending entries (or ones whose lease expired) and leases them. */
  claimDue(now: number, limit: number, leaseMs: number): Promise<ClaimedEntry[]>;
  markDelivered(claim: ClaimedEntry, now: number): Promise<void>;
  scheduleRetry(claim: ClaimedEntry, failure: DeliveryFailure, nextAttemptAt: number, now: number): Promise<void>;
  /** Ends delivery: `failed` (could not be built) or `dead` (refused or given up), keeping the reason. */
  markUndeliverable(claim: ClaimedEntry, state: 'failed' | 'dead', failure: DeliveryFailure, now: number): Promise<void>;
  setSubscription(claim: ClaimedEntry, subscriptionId: string, now: number): Promise<void>;
  /** Puts a failed or dead entry back to pending, attempts reset. Returns false if it was not failed/dead. */
  requeue(transactionId: string, now: number): Promise<boolean>;

  /** Puts every entry in `state` back to pending; returns how many. */
  requeueAll(state: 'failed' | 'dead', now: number): Promise<number>;

  getEntry(transactionId: string): Promise<OutboxEntry | null>;
  /** Entries, most recently changed first; all states when `state` is omitted. */
  listEntries(filter: { state?: DeliveryState; limit: number }): Promise<OutboxEntry[]>;
  getStripeEvent(eventId: string): Promise<StripeEventRecord | null>;
  countByState(): Promise<Record<DeliveryState, number>>;

  /** Small named values the service keeps between runs (e.g. the reconciliation cursor). */
  getState(key: string): Promise<string | null>;
  setState(key: string, value: string, now: number): Promise<void>;
  /**
   * Takes (or renews) a named lease for `owner` until now + ttlMs, if it is free, expired or
   * already ours. Lets one instance among several do periodic work.
   */
  tryAcquireLease(name: string, owner: string, ttlMs: number, now: number): Promise<boolean>;
}
