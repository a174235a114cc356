import type Stripe from 'stripe';
import type { LedgerEntry } from '../ledger/ledger-entry.js';
import { resolvePaymentContext } from '../ledger/payment-context.js';
import type { Store } from '../store/store.js';
import type { StripeGateway } from '../stripe/stripe-gateway.js';
import type { ApiVersionWatch } from './event-api-version.js';
import { translateEvent, type EventAction, type TranslateSettings } from './translate-event.js';

export type IngestOutcome = 'queued' | 'ignored' | 'duplicate';

export interface IngestResult {
  outcome: IngestOutcome;
  /** The ledger transactions queued, or why nothing was. */
  note: string;
}

export interface IngestDeps {
  store: Store;
  /** Looks up refunded/disputed PaymentIntents that our store does not know yet. */
  stripe: Pick<StripeGateway, 'retrievePaymentIntent'>;
  settings: TranslateSettings;
  now: () => number;
  /** Called after new outbox entries are committed, to wake the delivery worker. */
  onQueued: () => void;
  /** Warns about events rendered in another Stripe API version than the one the service was built for. */
  apiVersion: ApiVersionWatch;
  /** A top-up's payment succeeded (e.g. an auto-recharge that waited for 3-D Secure can resume). */
  onPaymentSucceeded?: (paymentIntentId: string) => Promise<void>;
}

/** The ledger entries an event implies (looking up whose PaymentIntent it concerns), or why none. */
export async function entriesForEvent(deps: IngestDeps, event: Stripe.Event): Promise<{ entries: LedgerEntry[]; reason: string }> {
  return entriesFor(deps, translateEvent(event, deps.settings));
}

async function entriesFor(deps: IngestDeps, action: EventAction): Promise<{ entries: LedgerEntry[]; reason: string }> {
  switch (action.kind) {
    case 'queue':
      return { entries: action.entries, reason: '' };
    case 'ignore':
      return { entries: [], reason: action.reason };
    case 'track-status':
      return { entries: [], reason: `payment intent ${action.paymentIntentId} is ${action.status}` };
    case 'queue-for-payment': {
      const found = await resolvePaymentContext(
        { store: deps.store, stripe: deps.stripe, creditUntagged: deps.settings.creditUntagged },
        action.paymentIntentId,
      );
      if (found.kind === 'ignore') return { entries: [], reason: found.reason };
      const entries = action.movements.map((m) => ({ ...m, ...found.context, paymentIntentId: action.paymentIntentId }));
      return { entries, reason: '' };
    }
    default: {
      const unreachable: never = action;
      return unreachable;
    }
  }
}

/**
 * Records a verified Stripe event and the ledger entries it implies in one transaction. Never
 * calls Moesif: the delivery worker does that later, so a Moesif outage never fails a webhook.
 * (A refund or dispute of a PaymentIntent we have not seen may ask Stripe whose it is; if Stripe
 * is down the webhook fails and Stripe retries it.) Also the path for events re-read from Stripe.
 */
export async function ingestEvent(deps: IngestDeps, event: Stripe.Event, payload: string): Promise<IngestResult> {
  deps.apiVersion.observe(event);
  const action = translateEvent(event, deps.settings);
  // Only an action that must look something up is worth a read first: a redelivered refund should
  // not ask Stripe again. Otherwise the insert's unique key detects the duplicate by itself.
  if (action.kind === 'queue-for-payment' && (await deps.store.events.get(event.id))) {
    return { outcome: 'duplicate', note: 'event already recorded' };
  }
  const { entries, reason } = await entriesFor(deps, action);
  const note = entries.length > 0 ? entries.map((e) => `${e.kind} ${e.transactionId}`).join(', ') : reason;
  const result = await deps.store.events.record(
    {
      id: event.id,
      type: event.type,
      created: event.created,
      livemode: event.livemode,
      payload,
      outcome: entries.length > 0 ? 'queued' : 'ignored',
      note,
    },
    entries,
    deps.now(),
  );
  if (result.duplicate) return { outcome: 'duplicate', note: 'event already recorded' };
  if (result.queued > 0) deps.onQueued();
  if (event.type === 'payment_intent.succeeded' && action.kind === 'queue' && deps.onPaymentSucceeded) {
    for (const e of action.entries) await deps.onPaymentSucceeded(e.paymentIntentId);
  }
  // Advisory only (what /balance shows as arriving); the ledger never depends on it.
  if (action.kind === 'track-status') await deps.store.topUps.setStatus(action.paymentIntentId, action.status);
  if (entries.length === 0) return { outcome: 'ignored', note };
  const already = entries.length - result.queued;
  return { outcome: 'queued', note: already > 0 ? `${note} (${already} already queued by another path)` : note };
}
