import type { DeliveryState, OutboxEntry } from '../ledger/ledger-entry.js';
import type { TopUpRecord } from './top-up-store.js';

/** One page, newest first; `hasMore` says whether older rows follow the last one. */
export interface HistoryPage<T> {
  items: T[];
  hasMore: boolean;
}

export interface HistoryQuery {
  customerId: string;
  limit: number;
  /** The id of the last row of the previous page (Stripe's `starting_after`). */
  startingAfter?: string;
}

/** A top-up with where its credit stands (null: no credit queued yet). */
export interface TopUpWithCredit extends TopUpRecord {
  creditState: DeliveryState | null;
}

/**
 * A customer's history, read from the outbox (every ledger entry this service queued) and the
 * top-ups. Ordered by (created_at, id) descending, so a cursor is exact: a page never repeats or
 * skips a row, whatever is added meanwhile. A cursor that is not the customer's row gives null.
 */
export interface HistoryStore {
  ledger(query: HistoryQuery & { subscriptionId?: string }): Promise<HistoryPage<OutboxEntry> | null>;
  topUps(query: HistoryQuery): Promise<HistoryPage<TopUpWithCredit> | null>;
}
