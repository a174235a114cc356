import type Stripe from 'stripe';
import { creditForPaymentIntent } from '../ledger/credit-for-payment-intent.js';
import type { LedgerEntry } from '../ledger/ledger-entry.js';
import { toTopUpIntent } from '../stripe/top-up-intent.js';

export type EventAction = { kind: 'queue'; entry: LedgerEntry } | { kind: 'ignore'; reason: string };

/** The event types this service acts on; configure the Stripe webhook endpoint with these. */
export const HANDLED_EVENT_TYPES = ['payment_intent.succeeded'] as const;

/**
 * The edge between Stripe's event shapes and ours: the only place that reads `event.data.object`.
 * Events of other types are answered 2xx and recorded as ignored, so Stripe does not retry them.
 */
export function translateEvent(event: Stripe.Event, creditUntagged: boolean): EventAction {
  switch (event.type) {
    case 'payment_intent.succeeded': {
      const decision = creditForPaymentIntent(toTopUpIntent(event.data.object), creditUntagged);
      return decision.kind === 'credit' ? { kind: 'queue', entry: decision.entry } : decision;
    }
    default:
      return { kind: 'ignore', reason: `event type ${event.type} is not handled` };
  }
}
