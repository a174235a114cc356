import type Stripe from 'stripe';
import type { Harness } from '../support/harness.js';
import { eventFor } from '../checkout/checkout-helpers.js';

/** Two packs as an operator sets them up: 500 credits on the Price itself, 11,000 on the Product. */
export function twoPacks(h: Harness): { small: string; large: string } {
  return {
    small: h.stripe.addPrice({ unitAmount: 5000, currency: 'usd', credits: '500', name: 'Small pack' }),
    large: h.stripe.addPrice({ unitAmount: 10000, currency: 'usd', productCredits: '11000', name: 'Large pack' }),
  };
}

/** A paid invoice, its line ids in order, its PaymentIntent and the events Stripe sent for it. */
export function paidInvoice(h: Harness, input: Parameters<Harness['stripe']['billInvoice']>[0]) {
  const { invoice, paymentIntentId } = h.stripe.billInvoice(input);
  return {
    invoice,
    lines: invoice.lines.data.map((l) => l.id),
    pi: paymentIntentId!,
    paid: eventFor(h, invoice.id, 'invoice.paid'),
    piSucceeded: (): Stripe.Event => eventFor(h, paymentIntentId!, 'payment_intent.succeeded'),
  };
}
