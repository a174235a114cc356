import type { Rng } from './rng.js';
import type { SoakCurrency, SoakCustomer } from './plan.js';

/**
 * A credit pack bought through a hosted checkout, as the soak plans it: the credits it buys (a
 * fixed number, up to one decimal here, whatever it cost) and the completed, paid session that
 * announces the same payment as its PaymentIntent, carrying the same metadata.
 */
/** Share of the top-ups that are packs; the session's event and the PaymentIntent's come in either order. */
export const CHECKOUT_PACK_RATE = 0.2;

export function drawPackCredits(rng: Rng): string {
  return `${rng.int(1, 500_000)}.${rng.int(0, 9)}`.replace(/\.0$/, '');
}

/** The service's metadata, as it writes it on a top-up's PaymentIntent and Checkout Session. */
export function soakMetadata(customer: SoakCustomer, packCredits: string | null): Record<string, string> {
  return {
    topup_sync: 'v1',
    moesif_company_id: customer.companyId,
    moesif_subscription_id: customer.subscriptionId,
    ...(packCredits ? { moesif_credits: packCredits } : {}),
  };
}

export function paidSession(id: string, customer: SoakCustomer, paymentIntentId: string, amountMinor: number, currency: SoakCurrency, metadata: Record<string, string>) {
  return {
    id,
    object: 'checkout.session',
    mode: 'payment',
    status: 'complete',
    payment_status: 'paid',
    customer: customer.customerId,
    payment_intent: paymentIntentId,
    amount_total: amountMinor,
    currency,
    metadata,
    livemode: false,
  };
}
