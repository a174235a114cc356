import type Stripe from 'stripe';
import { creditForPaymentIntent } from '../ledger/credit-for-payment-intent.js';
import type { LedgerEntry } from '../ledger/ledger-entry.js';
import type { Movement } from '../ledger/movement.js';
import { toTopUpIntent, type TopUpIntent } from '../stripe/top-up-intent.js';
import { disputeMovements, type DisputeDebitOn } from './dispute-movements.js';
import { creditForSession, type PaidSession } from './checkout-credit.js';
import { creditNoteMovements } from './credit-note-movements.js';
import {
  checkoutSessionObject,
  creditNoteObject,
  disputeObject,
  invoiceObject,
  parseEventObject,
  paymentIntentObject,
  paymentIntentStatusObject,
  refundObject,
} from './event-objects.js';
import { refundMovements } from './refund-movements.js';

export type EventAction =
  /**
   * Entries complete in themselves (a top-up's credit carries its own metadata); `track`: a
   * checkout of ours whose recorded status changes with it.
   */
  | { kind: 'queue'; entries: LedgerEntry[]; track?: { id: string; status: string } }
  /** A succeeded PaymentIntent without our tag (CREDIT_UNTAGGED_PAYMENT_INTENTS=true): checked at Stripe first. */
  | { kind: 'queue-untagged'; intent: TopUpIntent }
  /** A paid Checkout Session this service did not create: its line items say whether it bought credits. */
  | { kind: 'queue-for-checkout'; session: PaidSession }
  /** Movements of a PaymentIntent's money whose customer/company must be looked up first. */
  | { kind: 'queue-for-payment'; paymentIntentId: string; movements: Movement[] }
  /** A paid invoice: its lines (read from Stripe) say whether and what it credits. */
  | { kind: 'queue-for-invoice'; invoiceId: string }
  /** Movements of an invoice's money (a credit note), spread over the lines it credited. */
  | { kind: 'queue-for-invoice-movement'; invoiceId: string; movements: Movement[] }
  /** No ledger movement, but a top-up's payment changed state (shown as "arriving" balances). */
  | { kind: 'track-status'; paymentIntentId: string; status: string }
  | { kind: 'ignore'; reason: string };

export interface TranslateSettings {
  creditUntagged: boolean;
  refundsDebitCredits: boolean;
  disputeDebitOn: DisputeDebitOn;
  /** When set, the Moesif company of a purchase the service did not start is this metadata field of the customer. */
  companyIdMetadataKey: string | undefined;
}

/** The event types this service acts on; subscribe the Stripe webhook endpoint to these. */
export const HANDLED_EVENT_TYPES = [
  'payment_intent.succeeded',
  'payment_intent.processing',
  'payment_intent.payment_failed',
  'payment_intent.canceled',
  'refund.created',
  'refund.updated',
  'refund.failed',
  'charge.dispute.created',
  'charge.dispute.funds_withdrawn',
  'charge.dispute.funds_reinstated',
  'charge.dispute.closed',
  'checkout.session.completed',
  'checkout.session.async_payment_succeeded',
  'checkout.session.async_payment_failed',
  'invoice.paid',
  'credit_note.created',
  'credit_note.voided',
] as const;

function forPayment(paymentIntentId: string | null, movements: (pi: string) => Movement[]): EventAction {
  if (!paymentIntentId) return { kind: 'ignore', reason: 'not tied to a payment intent' };
  const list = movements(paymentIntentId);
  if (list.length === 0) return { kind: 'ignore', reason: 'no ledger movement in this state' };
  return { kind: 'queue-for-payment', paymentIntentId, movements: list };
}

/**
 * The edge between Stripe's event shapes and ours: the only place that reads `event.data.object`,
 * and only after checking its shape (event-objects.ts). Events of other types, and handled ones
 * whose object does not have the expected shape, are answered 2xx and recorded as ignored with
 * the reason: Stripe retrying them would not change them.
 */
export function translateEvent(event: Stripe.Event, settings: TranslateSettings): EventAction {
  switch (event.type) {
    case 'payment_intent.succeeded': {
      const pi = parseEventObject(paymentIntentObject, 'payment_intent', event.data.object);
      if (!pi.ok) return { kind: 'ignore', reason: pi.reason };
      const intent = toTopUpIntent(pi.value);
      const decision = creditForPaymentIntent(intent, settings.creditUntagged);
      if (decision.kind === 'ignore') return decision;
      return intent.tag ? { kind: 'queue', entries: [decision.entry] } : { kind: 'queue-untagged', intent };
    }
    case 'payment_intent.processing':
    case 'payment_intent.payment_failed':
    case 'payment_intent.canceled': {
      const pi = parseEventObject(paymentIntentStatusObject, 'payment_intent', event.data.object);
      if (!pi.ok) return { kind: 'ignore', reason: pi.reason };
      return { kind: 'track-status', paymentIntentId: pi.value.id, status: pi.value.status };
    }
    case 'refund.created':
    case 'refund.updated':
    case 'refund.failed': {
      if (!settings.refundsDebitCredits) return { kind: 'ignore', reason: 'refunds do not debit credits (REFUNDS_DEBIT_CREDITS=false)' };
      const refund = parseEventObject(refundObject, 'refund', event.data.object);
      if (!refund.ok) return { kind: 'ignore', reason: refund.reason };
      return forPayment(refund.value.payment_intent, (pi) => refundMovements(refund.value, pi));
    }
    case 'charge.dispute.created':
    case 'charge.dispute.funds_withdrawn':
    case 'charge.dispute.funds_reinstated':
    case 'charge.dispute.closed': {
      const dispute = parseEventObject(disputeObject, 'dispute', event.data.object);
      if (!dispute.ok) return { kind: 'ignore', reason: dispute.reason };
      return forPayment(dispute.value.payment_intent, (pi) => disputeMovements(dispute.value, event.type, settings.disputeDebitOn, pi));
    }
    case 'checkout.session.completed':
    case 'checkout.session.async_payment_succeeded': {
      const session = parseEventObject(checkoutSessionObject, 'checkout session', event.data.object);
      if (!session.ok) return { kind: 'ignore', reason: session.reason };
      const decision = creditForSession(session.value);
      const paid = session.value.payment_status === 'paid';
      switch (decision.kind) {
        case 'credit':
          return { kind: 'queue', entries: [decision.entry], track: { id: session.value.id, status: 'succeeded' } };
        case 'inspect':
          return { kind: 'queue-for-checkout', session: decision.session };
        case 'ignore':
          // A delayed payment method (SEPA debit, ACH): completed, the money still on its way.
          return !paid && session.value.mode === 'payment'
            ? { kind: 'track-status', paymentIntentId: session.value.id, status: 'processing' }
            : decision;
      }
    }
    case 'checkout.session.async_payment_failed': {
      const session = parseEventObject(checkoutSessionObject, 'checkout session', event.data.object);
      if (!session.ok) return { kind: 'ignore', reason: session.reason };
      return { kind: 'track-status', paymentIntentId: session.value.id, status: 'payment_failed' };
    }
    case 'invoice.paid': {
      const invoice = parseEventObject(invoiceObject, 'invoice', event.data.object);
      if (!invoice.ok) return { kind: 'ignore', reason: invoice.reason };
      // Cheap refusals before asking Stripe for its lines (every subscription renewal is an invoice.paid).
      if (invoice.value.status !== 'paid') return { kind: 'ignore', reason: `invoice is ${invoice.value.status ?? 'without a status'}` };
      if (!invoice.value.customer) return { kind: 'ignore', reason: 'invoice has no customer: no Moesif company to credit' };
      if (invoice.value.amount_paid <= 0) return { kind: 'ignore', reason: 'invoice received no money' };
      return { kind: 'queue-for-invoice', invoiceId: invoice.value.id };
    }
    case 'credit_note.created':
    case 'credit_note.voided': {
      if (!settings.refundsDebitCredits) return { kind: 'ignore', reason: 'credit notes do not debit credits (REFUNDS_DEBIT_CREDITS=false)' };
      const note = parseEventObject(creditNoteObject, 'credit note', event.data.object);
      if (!note.ok) return { kind: 'ignore', reason: note.reason };
      const movements = creditNoteMovements(note.value);
      if (movements.length === 0) {
        return { kind: 'ignore', reason: 'credit note moves nothing paid that a refund does not already take back' };
      }
      return { kind: 'queue-for-invoice-movement', invoiceId: note.value.invoice, movements };
    }
    default:
      return { kind: 'ignore', reason: `event type ${event.type} is not handled` };
  }
}
