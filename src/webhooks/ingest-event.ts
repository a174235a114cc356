import type Stripe from 'stripe';
import type { LedgerEntry } from '../ledger/ledger-entry.js';
import { creditForPaymentIntent } from '../ledger/credit-for-payment-intent.js';
import { entryForMovement } from '../ledger/movement-entry.js';
import { resolvePaymentContext } from '../ledger/payment-context.js';
import type { OutgoingEvents } from '../outgoing-events/outgoing-events.js';
import type { OutgoingEventRecord, Store } from '../store/store.js';
import type { StripeGateway } from '../stripe/stripe-gateway.js';
import type { ApiVersionWatch } from './event-api-version.js';
import { creditForForeignSession } from './checkout-credit.js';
import { companyForPurchase } from '../ledger/purchase-company.js';
import { invoiceCreditEntries, spreadMovement } from '../invoices/invoice-credit.js';
import { resolveInvoice } from '../invoices/resolve-invoice.js';
import { translateEvent, type EventAction, type TranslateSettings } from './translate-event.js';

export type IngestOutcome = 'queued' | 'ignored' | 'duplicate';

export interface IngestResult {
  outcome: IngestOutcome;
  /** The ledger transactions queued, or why nothing was. */
  note: string;
}

export interface IngestDeps {
  store: Store;
  /**
   * Looks up refunded/disputed PaymentIntents that our store does not know yet, the line items
   * of checkouts the service did not start, and their customer's Moesif company.
   */
  stripe: Pick<
    StripeGateway,
    'retrievePaymentIntent' | 'listCheckoutLines' | 'getCustomer' | 'paymentIntentOwner' | 'retrieveInvoice' | 'checkoutSessionOfPayment' | 'retrieveCheckoutSession'
  >;
  settings: TranslateSettings;
  now: () => number;
  /** Called after new outbox entries are committed, to wake the delivery worker. */
  onQueued: () => void;
  /** Warns about events rendered in another Stripe API version than the one the service was built for. */
  apiVersion: ApiVersionWatch;
  /** A top-up's payment succeeded (e.g. an auto-recharge that waited for 3-D Secure can resume). */
  onPaymentSucceeded?: (paymentIntentId: string) => Promise<void>;
  /** Outgoing events an event causes (top_up.payment_failed), written with it. */
  events?: Pick<OutgoingEvents, 'forPaymentFailed' | 'queued'>;
}

/** top_up.payment_failed for a failed payment of a top-up this service created (known from its record). */
async function outgoingFor(deps: IngestDeps, event: Stripe.Event, action: EventAction): Promise<OutgoingEventRecord[]> {
  if (!deps.events || event.type !== 'payment_intent.payment_failed' || action.kind !== 'track-status') return [];
  const topUp = await deps.store.topUps.get(action.paymentIntentId);
  return topUp ? deps.events.forPaymentFailed(topUp, event.id, deps.now()) : [];
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
        { store: deps.store, stripe: deps.stripe, creditUntagged: deps.settings.creditUntagged, companyIdMetadataKey: deps.settings.companyIdMetadataKey },
        action.paymentIntentId,
      );
      if (found.kind === 'ignore') return { entries: [], reason: found.reason };
      const entries =
        found.kind === 'invoice'
          ? action.movements.flatMap((m) => spreadMovement(found.purchase, m, found.whom))
          : action.movements.flatMap((m) => entryForMovement(m, found.context, action.paymentIntentId) ?? []);
      return { entries, reason: entries.length > 0 ? '' : 'the refunded share is below one micro-credit' };
    }
    case 'queue-untagged': {
      // An invoice's or a checkout's PaymentIntent is credited from that object's own events
      // (its packs, its marker); crediting it here too would credit the payment twice.
      const owner = await deps.stripe.paymentIntentOwner(action.intent.id);
      if (owner) return { entries: [], reason: `payment intent paid ${owner.kind === 'invoice' ? 'invoice' : 'checkout session'} ${owner.id}: credited from its own events` };
      const company = await companyForPurchase(deps, action.intent.customerId!);
      if (!company.ok) return { entries: [], reason: company.reason };
      const decision = creditForPaymentIntent(action.intent, true);
      return decision.kind === 'credit' ? { entries: [{ ...decision.entry, companyId: company.companyId }], reason: '' } : { entries: [], reason: decision.reason };
    }
    case 'queue-for-checkout': {
      const company = await companyForPurchase(deps, action.session.customerId);
      if (!company.ok) return { entries: [], reason: company.reason };
      const lines = await deps.stripe.listCheckoutLines(action.session.sessionId);
      const credit = creditForForeignSession(action.session, lines, company.companyId);
      return 'ignore' in credit ? { entries: [], reason: credit.ignore } : { entries: [credit], reason: '' };
    }
    case 'queue-for-invoice': {
      const invoice = await resolveInvoice(invoiceDeps(deps), action.invoiceId);
      return invoice.ok ? { entries: invoiceCreditEntries(invoice.purchase, invoice.whom), reason: '' } : { entries: [], reason: invoice.reason };
    }
    case 'queue-for-invoice-movement': {
      const invoice = await resolveInvoice(invoiceDeps(deps), action.invoiceId);
      if (!invoice.ok) return { entries: [], reason: invoice.reason };
      const entries = action.movements.flatMap((m) => spreadMovement(invoice.purchase, m, invoice.whom));
      return { entries, reason: entries.length > 0 ? '' : 'the credited share is below one micro-credit' };
    }
    default: {
      const unreachable: never = action;
      return unreachable;
    }
  }
}

/** Actions that ask Stripe something before their entries are known. */
const LOOKS_UP: ReadonlySet<EventAction['kind']> = new Set([
  'queue-for-payment',
  'queue-for-checkout',
  'queue-untagged',
  'queue-for-invoice',
  'queue-for-invoice-movement',
]);

const invoiceDeps = (deps: IngestDeps) => ({ store: deps.store, stripe: deps.stripe, settings: deps.settings });

/** A checkout's end (paid, failed) is never undone by a late `completed` event saying it is still processing. */
const SETTLED = new Set(['succeeded', 'payment_failed']);

async function trackStatus(store: Store, id: string, status: string): Promise<void> {
  if (status === 'processing' && SETTLED.has((await store.topUps.get(id))?.status ?? '')) return;
  await store.topUps.setStatus(id, status);
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
  if (LOOKS_UP.has(action.kind) && (await deps.store.events.get(event.id))) {
    return { outcome: 'duplicate', note: 'event already recorded' };
  }
  const { entries, reason } = await entriesFor(deps, action);
  const note = entries.length > 0 ? entries.map((e) => `${e.kind} ${e.transactionId}`).join(', ') : reason;
  const outgoing = await outgoingFor(deps, event, action);
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
    outgoing,
  );
  if (result.duplicate) return { outcome: 'duplicate', note: 'event already recorded' };
  if (outgoing.length > 0) deps.events?.queued();
  if (result.queued > 0) deps.onQueued();
  if (event.type === 'payment_intent.succeeded' && action.kind === 'queue' && deps.onPaymentSucceeded) {
    for (const e of action.entries) await deps.onPaymentSucceeded(e.paymentIntentId);
  }
  // Advisory only (what /balance shows as arriving); the ledger never depends on it.
  if (action.kind === 'track-status') await trackStatus(deps.store, action.paymentIntentId, action.status);
  if (action.kind === 'queue' && action.track) await deps.store.topUps.setStatus(action.track.id, action.track.status);
  if (entries.length === 0) return { outcome: 'ignored', note };
  const already = entries.length - result.queued;
  return { outcome: 'queued', note: already > 0 ? `${note} (${already} already queued by another path)` : note };
}
