import type { LedgerEntry } from '../ledger/ledger-entry.js';
import type { OutgoingEventRecord } from './events-out-store.js';

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

/** Stripe events received (by webhook or reconciliation), each recorded once. */
export interface EventStore {
  /**
   * Writes the event and the ledger entries it implies (those not already queued), in one
   * transaction, with the outgoing events it causes (`outgoing`, written only if the event is new).
   */
  record(event: StripeEventRecord, entries: readonly LedgerEntry[], now: number, outgoing?: readonly OutgoingEventRecord[]): Promise<RecordEventResult>;
  get(eventId: string): Promise<StripeEventRecord | null>;
}
