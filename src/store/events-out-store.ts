import type { DeliveryFailure } from './outbox-store.js';

/** One outgoing event for one destination, as written in the transaction of the change it reports. */
export interface OutgoingEventRecord {
  /** Deterministic per state change (the Standard Webhooks `webhook-id`); the same on every redelivery. */
  eventId: string;
  destination: string;
  type: string;
  /** Events of one customer reach each destination in the order they were written. */
  customerId: string;
  /** The JSON body, exactly as signed and sent. */
  payload: string;
}

export type OutgoingEventState = 'pending' | 'delivered' | 'dead';

export interface StoredOutgoingEvent extends OutgoingEventRecord {
  /** Write order (per-customer delivery order follows it). */
  seq: number;
  state: OutgoingEventState;
  attempts: number;
  nextAttemptAt: number;
  lastError: string | null;
  lastStatus: number | null;
  createdAt: number;
  deliveredAt: number | null;
}

export interface ClaimedOutgoingEvent extends StoredOutgoingEvent {
  leaseToken: string;
}

/**
 * Events to the user's own app, delivered by outgoing-events/. Written only together with the
 * state change they report (OutboxStore.markDelivered/markUndeliverable, EventStore.record), or
 * here by `enqueue`. (event id, destination) is unique: an event is never queued twice.
 */
export interface EventsOutStore {
  enqueue(events: readonly OutgoingEventRecord[], now: number): Promise<number>;
  /**
   * Leases due pending events, at most one per (destination, customer) and only the oldest one
   * not yet delivered: a later event of a customer waits until the earlier one is delivered or dead.
   */
  claimDue(now: number, limit: number, leaseMs: number): Promise<ClaimedOutgoingEvent[]>;
  markDelivered(claim: ClaimedOutgoingEvent, now: number): Promise<void>;
  scheduleRetry(claim: ClaimedOutgoingEvent, failure: DeliveryFailure, nextAttemptAt: number, now: number): Promise<void>;
  markDead(claim: ClaimedOutgoingEvent, failure: DeliveryFailure, now: number): Promise<void>;
  /** Sends an event again (dead or delivered, to every destination), with its id; returns the rows requeued. */
  replay(eventId: string, now: number): Promise<number>;
  /** Requeues every dead event; returns how many rows. */
  replayDead(now: number): Promise<number>;
  /** The event's rows (one per destination), empty when unknown. */
  get(eventId: string): Promise<StoredOutgoingEvent[]>;
  /** Most recently changed first. */
  list(filter: { state?: OutgoingEventState; limit: number }): Promise<StoredOutgoingEvent[]>;
}
