import type { TopUpIntent } from '../stripe/top-up-intent.js';
import type { LedgerEntry } from './ledger-entry.js';

export type CreditDecision = { kind: 'credit'; entry: LedgerEntry } | { kind: 'ignore'; reason: string };

/**
 * The one rule for turning a succeeded PaymentIntent into a Moesif credit, shared by the webhook
 * and the /top-up fast path so both produce the identical entry (same transaction id = the
 * PaymentIntent id), whichever notices the success first.
 */
export function creditForPaymentIntent(intent: TopUpIntent, creditUntagged: boolean): CreditDecision {
  if (intent.status !== 'succeeded') return { kind: 'ignore', reason: `payment intent is ${intent.status}` };
  if (!intent.customerId) return { kind: 'ignore', reason: 'payment intent has no customer' };
  if (!intent.tag && !creditUntagged) return { kind: 'ignore', reason: 'payment intent is not a top-up of this service' };
  if (intent.amountReceivedMinor <= 0) return { kind: 'ignore', reason: 'payment intent received no money' };
  return {
    kind: 'credit',
    entry: {
      transactionId: intent.id,
      kind: 'credit',
      customerId: intent.customerId,
      companyId: intent.tag?.companyId ?? intent.customerId,
      subscriptionId: intent.tag?.subscriptionId ?? null,
      amountMinor: intent.amountReceivedMinor,
      currency: intent.currency,
      credits: intent.tag?.credits ?? null,
      paymentIntentId: intent.id,
      description: `Stripe top-up ${intent.id}`,
      origin: intent.tag?.origin ?? null,
    },
  };
}
