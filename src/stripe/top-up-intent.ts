import type Stripe from 'stripe';
import { readTopUpTag, type TopUpTag } from './top-up-metadata.js';

/** A PaymentIntent in the project's own terms. */
export interface TopUpIntent {
  id: string;
  status: Stripe.PaymentIntent.Status;
  amountMinor: number;
  amountReceivedMinor: number;
  currency: string;
  customerId: string | null;
  clientSecret: string | null;
  /** Present only on PaymentIntents this service created. */
  tag: TopUpTag | null;
}

/** The fields read from a PaymentIntent: Stripe's own object, or an event's object once validated. */
export interface PaymentIntentFields {
  id: string;
  status: Stripe.PaymentIntent.Status;
  amount: number;
  amount_received: number;
  currency: string;
  customer: string | { id: string } | null;
  client_secret: string | null;
  metadata: Record<string, string> | null;
}

export function toTopUpIntent(pi: PaymentIntentFields): TopUpIntent {
  const customer = pi.customer;
  return {
    id: pi.id,
    status: pi.status,
    amountMinor: pi.amount,
    amountReceivedMinor: pi.amount_received,
    currency: pi.currency.toLowerCase(),
    customerId: customer === null ? null : typeof customer === 'string' ? customer : customer.id,
    clientSecret: pi.client_secret,
    tag: readTopUpTag(pi.metadata),
  };
}
