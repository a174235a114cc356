import type { AutoRechargeStore } from './auto-recharge-store.js';
import type { BillingSessionStore } from './billing-session-store.js';
import type { EventStore } from './event-store.js';
import type { EventsOutStore } from './events-out-store.js';
import type { HistoryStore } from './history-store.js';
import type { IdempotencyStore } from './idempotency-store.js';
import type { OutboxStore } from './outbox-store.js';
import type { RateLimitStore } from './rate-limit-store.js';
import type { RetentionStore } from './retention-store.js';
import type { StateStore } from './state-store.js';
import type { TopUpStore } from './top-up-store.js';

export type { AutoRechargeStore } from './auto-recharge-store.js';
export type { BillingScope, BillingSession, BillingSessionStore } from './billing-session-store.js';
export type { EventStore, RecordEventResult, StripeEventRecord } from './event-store.js';
export type {
  ClaimedOutgoingEvent,
  EventsOutStore,
  OutgoingEventRecord,
  OutgoingEventState,
  StoredOutgoingEvent,
} from './events-out-store.js';
export type { HistoryPage, HistoryQuery, HistoryStore, TopUpWithCredit } from './history-store.js';
export type { IdempotencyClaim, IdempotencyStore } from './idempotency-store.js';
export type { DeliveryFailure, OutboxStore } from './outbox-store.js';
export type { RateLimitHits, RateLimitStore } from './rate-limit-store.js';
export type { RetentionStore } from './retention-store.js';
export type { StateStore } from './state-store.js';
export type { InFlight, TopUpRecord, TopUpStore } from './top-up-store.js';

/**
 * Everything the service keeps, one small interface per capability; every method is atomic.
 * Implementations: store/sqlite/ (embedded, one process) and store/postgres/ (several instances),
 * each split into the same per-capability files. One contract suite runs against both.
 */
export interface Store {
  /** Throws when the store cannot be reached (readiness). */
  ping(): Promise<void>;
  close(): Promise<void>;
  events: EventStore;
  outbox: OutboxStore;
  topUps: TopUpStore;
  idempotency: IdempotencyStore;
  state: StateStore;
  rateLimits: RateLimitStore;
  retention: RetentionStore;
  autoRecharge: AutoRechargeStore;
  billingSessions: BillingSessionStore;
  /** A customer's ledger entries and top-ups, newest first (GET /ledger, GET /top-ups). */
  history: HistoryStore;
  /** Signed events to the user's own app, waiting for or after delivery. */
  eventsOut: EventsOutStore;
}
