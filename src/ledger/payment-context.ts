import type { InvoicePurchase, Whom } from '../invoices/invoice-credit.js';
import { resolveInvoice } from '../invoices/resolve-invoice.js';
import type { Store } from '../store/store.js';
import type { StripeGateway } from '../stripe/stripe-gateway.js';
import { creditForForeignSession } from '../webhooks/checkout-credit.js';
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

export type PaymentContextResult =
  | { kind: 'found'; context: PaymentContext }
  /** The PaymentIntent paid an invoice: its movements are spread over the invoice's credited lines. */
  | { kind: 'invoice'; purchase: InvoicePurchase; whom: Whom }
  | { kind: 'ignore'; reason: string };

export interface PaymentContextDeps {
  store: Store;
  stripe: Pick<
    StripeGateway,
    'retrievePaymentIntent' | 'getCustomer' | 'paymentIntentOwner' | 'retrieveInvoice' | 'checkoutSessionOfPayment' | 'retrieveCheckoutSession' | 'listCheckoutLines'
  >;
  creditUntagged: boolean;
  companyIdMetadataKey: string | undefined;
}

/**
 * The context of a Checkout Session the service did not create (a Payment Link…), as its credit
 * would be built: the same company, and for packs the same credits for what was paid. Needed
 * when a refund or dispute is seen before the session's credit is recorded.
 */
async function foreignSessionContext(deps: PaymentContextDeps, sessionId: string, paymentIntentId: string): Promise<PaymentContextResult> {
  const session = await deps.stripe.retrieveCheckoutSession(sessionId);
  if (!session || !session.customerId || !session.amountTotalMinor || !session.currency) {
    return { kind: 'ignore', reason: `checkout session ${sessionId} has no customer or no amount: it credited nothing` };
  }
  const company = await companyForPurchase({ stripe: deps.stripe, settings: deps }, session.customerId);
  if (!company.ok) return { kind: 'ignore', reason: company.reason };
  const lines = await deps.stripe.listCheckoutLines(sessionId);
  const paid = { sessionId, customerId: session.customerId, paymentIntentId, amountMinor: session.amountTotalMinor, currency: session.currency, metadata: session.metadata };
  const credit = creditForForeignSession(paid, lines, company.companyId);
  if ('ignore' in credit) return { kind: 'ignore', reason: credit.ignore };
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

/**
 * Refund and dispute objects name only the PaymentIntent. Its credit (or the /top-up record) in our
 * store says whom it credited; failing that (a refund seen before the credit), Stripe's copy of the
 * PaymentIntent does, or for a PaymentIntent that paid someone else's Checkout Session or an
 * invoice, that session or invoice (credited from their own events, maybe not yet). Other
 * PaymentIntents that are not top-ups are ignored, like their successes are.
 */
export async function resolvePaymentContext(deps: PaymentContextDeps, paymentIntentId: string): Promise<PaymentContextResult> {
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
  if (!intent.tag) {
    // Not ours: the payment of a Checkout Session or an invoice is taken back the way that
    // session or invoice was credited, whether or not its credit is recorded yet.
    const owner = await deps.stripe.paymentIntentOwner(paymentIntentId);
    if (owner?.kind === 'checkout_session') return foreignSessionContext(deps, owner.id, paymentIntentId);
    if (owner?.kind === 'invoice') {
      const invoice = await resolveInvoice({ store: deps.store, stripe: deps.stripe, settings: deps }, owner.id);
      return invoice.ok ? { kind: 'invoice', purchase: invoice.purchase, whom: invoice.whom } : { kind: 'ignore', reason: invoice.reason };
    }
    if (!deps.creditUntagged) return { kind: 'ignore', reason: 'payment intent is not a top-up of this service' };
  }
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
