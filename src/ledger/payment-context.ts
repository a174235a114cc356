import type { Store } from '../store/store.js';
import type { StripeGateway } from '../stripe/stripe-gateway.js';
import { companyForPurchase } from './purchase-company.js';

/** Whom a refund or dispute of a top-up takes credits back from. */
export interface PaymentContext {
  customerId: string;
  companyId: string;
  subscriptionId: string | null;
  /**
   * When the payment bought a fixed number of credits (a pack): what was paid and credited, so
   * refunds and disputes take back their proportional share (packs/credit-amount.ts). Null: the
   * amount moves at CREDIT_RATES like the credit did.
   */
  purchase: { paidMinor: number; credits: string } | null;
}

export type PaymentContextResult = { kind: 'found'; context: PaymentContext } | { kind: 'ignore'; reason: string };

/**
 * Refund and dispute objects name only the PaymentIntent. Its credit (or the /top-up record) in our
 * store says whom it credited; failing that (a refund seen before the credit), Stripe's copy of the
 * PaymentIntent does. PaymentIntents that are not top-ups are ignored, like their successes are.
 */
export async function resolvePaymentContext(
  deps: {
    store: Store;
    stripe: Pick<StripeGateway, 'retrievePaymentIntent' | 'getCustomer'>;
    creditUntagged: boolean;
    companyIdMetadataKey: string | undefined;
  },
  paymentIntentId: string,
): Promise<PaymentContextResult> {
  const credit = await deps.store.outbox.get(paymentIntentId);
  if (credit && credit.kind === 'credit') {
    return {
      kind: 'found',
      context: {
        customerId: credit.customerId,
        companyId: credit.companyId,
        subscriptionId: credit.subscriptionId,
        purchase: credit.credits === null ? null : { paidMinor: credit.amountMinor, credits: credit.credits },
      },
    };
  }
  const topUp = await deps.store.topUps.get(paymentIntentId);
  if (topUp) {
    return {
      kind: 'found',
      context: {
        customerId: topUp.customerId,
        companyId: topUp.companyId,
        subscriptionId: topUp.subscriptionId,
        purchase: topUp.credits === null ? null : { paidMinor: topUp.amountMinor, credits: topUp.credits },
      },
    };
  }
  const intent = await deps.stripe.retrievePaymentIntent(paymentIntentId);
  if (!intent) return { kind: 'ignore', reason: `payment intent ${paymentIntentId} not found at Stripe` };
  if (!intent.customerId) return { kind: 'ignore', reason: 'payment intent has no customer' };
  if (!intent.tag && !deps.creditUntagged) return { kind: 'ignore', reason: 'payment intent is not a top-up of this service' };
  let companyId = intent.tag?.companyId;
  if (companyId === undefined) {
    const company = await companyForPurchase({ stripe: deps.stripe, settings: deps }, intent.customerId);
    if (!company.ok) return { kind: 'ignore', reason: company.reason };
    companyId = company.companyId;
  }
  return {
    kind: 'found',
    context: {
      customerId: intent.customerId,
      companyId,
      subscriptionId: intent.tag?.subscriptionId ?? null,
      purchase: intent.tag?.credits ? { paidMinor: intent.amountReceivedMinor || intent.amountMinor, credits: intent.tag.credits } : null,
    },
  };
}
