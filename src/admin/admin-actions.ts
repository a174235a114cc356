import type Stripe from 'stripe';
import type { DeliveryState, OutboxEntry } from '../ledger/ledger-entry.js';
import type { Store } from '../store/store.js';
import type { StripeGateway } from '../stripe/stripe-gateway.js';
import { entriesForEvent, type IngestDeps } from '../webhooks/ingest-event.js';

/** What an operator can do about deliveries, shared by the admin API and `npm run admin`. */
export interface AdminDeps {
  store: Store;
  stripe: Pick<StripeGateway, 'retrieveEvent'>;
  ingest: IngestDeps;
  now: () => number;
  /** Wakes the delivery worker after something was requeued. */
  onQueued: () => void;
  /** Wakes the outgoing-event worker after an event was replayed. */
  onEventsQueued?: () => void;
}

export function listDeliveries(deps: AdminDeps, state: DeliveryState | undefined, limit: number): Promise<OutboxEntry[]> {
  return deps.store.outbox.list({ state, limit });
}

/** Requeues one failed or dead entry; false when there is no such entry in those states. */
export async function retryDelivery(deps: AdminDeps, transactionId: string): Promise<boolean> {
  const requeued = await deps.store.outbox.requeue(transactionId, deps.now());
  if (requeued) deps.onQueued();
  return requeued;
}

export async function retryAll(deps: AdminDeps, state: 'dead' | 'failed'): Promise<number> {
  const n = await deps.store.outbox.requeueAll(state, deps.now());
  if (n > 0) deps.onQueued();
  return n;
}

export interface RedriveResult {
  found: 'store' | 'stripe' | 'nowhere';
  /** Entries newly queued. */
  queued: string[];
  /** Failed or dead entries put back to pending. */
  requeued: string[];
  /** Entries already pending or delivered: left alone (exactly once). */
  unchanged: string[];
  /** Why the event implies no entry, when it implies none. */
  reason?: string;
}

/**
 * Runs a Stripe event through the ledger rules again: from our stored copy, else from Stripe.
 * Entries it implies that are missing get queued (e.g. an event ignored while its PaymentIntent
 * could not be looked up); failed or dead ones are requeued; pending or delivered ones stay.
 */
export async function redriveEvent(deps: AdminDeps, eventId: string): Promise<RedriveResult> {
  const stored = await deps.store.events.get(eventId);
  const event = stored ? (JSON.parse(stored.payload) as Stripe.Event) : await deps.stripe.retrieveEvent(eventId);
  const found: RedriveResult['found'] = stored ? 'store' : event ? 'stripe' : 'nowhere';
  const result: RedriveResult = { found, queued: [], requeued: [], unchanged: [] };
  if (!event) return result;
  const { entries, reason } = await entriesForEvent(deps.ingest, event);
  if (entries.length === 0) result.reason = reason;
  for (const entry of entries) {
    if (await deps.store.outbox.enqueue(entry, `redrive:${eventId}`, deps.now())) result.queued.push(entry.transactionId);
    else if (await deps.store.outbox.requeue(entry.transactionId, deps.now())) result.requeued.push(entry.transactionId);
    else result.unchanged.push(entry.transactionId);
  }
  if (result.queued.length + result.requeued.length > 0) deps.onQueued();
  return result;
}
