import type { ClaimedEntry, DeliveryState, LedgerEntry, OutboxEntry } from '../ledger/ledger-entry.js';
import type { OutgoingEventRecord } from './events-out-store.js';

export interface DeliveryFailure {
  error: string;
  status: number | null;
}

/**
 * Ledger entries on their way to Moesif. The final exactly-once guard is the primary key on
 * transaction_id: a second entry with the same id is never queued.
 */
export interface OutboxStore {
  /** Queues an entry unless its transaction id is already known. Returns whether it was new. */
  enqueue(entry: LedgerEntry, source: string, now: number): Promise<boolean>;
  /**
   * Takes up to `limit` due pending entries (or ones whose lease expired) and leases them. A
   * claimed entry's next attempt is its lease's end (renewals move both): that is when it is tried
   * again should this attempt be lost with its process, and the due-entries index then skips the
   * entries being delivered instead of reading past each of them on every claim.
   */
  claimDue(now: number, limit: number, leaseMs: number): Promise<ClaimedEntry[]>;
  /**
   * Extends the leases of claims still being delivered to `leaseUntil` (those whose token still
   * matches); returns how many were extended. Leases are short and renewed while a delivery runs,
   * so a dead instance's claims are taken over soon and a slow one's are never.
   */
  renewLeases(claims: readonly ClaimedEntry[], leaseUntil: number): Promise<number>;
  /** `events` (outgoing events reporting the change) are written in the same transaction, only if the lease still held. */
  markDelivered(claim: ClaimedEntry, now: number, events?: readonly OutgoingEventRecord[]): Promise<void>;
  scheduleRetry(claim: ClaimedEntry, failure: DeliveryFailure, nextAttemptAt: number, now: number): Promise<void>;
  /** Ends delivery: `failed` (could not be built) or `dead` (refused or given up), keeping the reason. */
  markUndeliverable(
    claim: ClaimedEntry,
    state: 'failed' | 'dead',
    failure: DeliveryFailure,
    now: number,
    events?: readonly OutgoingEventRecord[],
  ): Promise<void>;
  setSubscription(claim: ClaimedEntry, subscriptionId: string, now: number): Promise<void>;
  /** Puts a failed or dead entry back to pending, attempts reset. Returns false if it was not failed/dead. */
  requeue(transactionId: string, now: number): Promise<boolean>;
  /** Puts every entry in `state` back to pending; returns how many. */
  requeueAll(state: 'failed' | 'dead', now: number): Promise<number>;
  get(transactionId: string): Promise<OutboxEntry | null>;
  /** Entries, most recently changed first; all states when `state` is omitted. */
  list(filter: { state?: DeliveryState; limit: number }): Promise<OutboxEntry[]>;
  countByState(): Promise<Record<DeliveryState, number>>;
}
