import type { LedgerEntry } from '../ledger/ledger-entry.js';
import { creditsForQuantity, sumCredits } from '../packs/credit-amount.js';
import type { CheckoutLine } from '../stripe/checkout-session-info.js';
import { hasCreditMarker } from '../stripe/checkout-session-info.js';
import { readTopUpTag } from '../stripe/top-up-metadata.js';
import type { CheckoutSessionObject } from './event-objects.js';

/** A paid session's money, once its customer and PaymentIntent are known. */
export interface PaidSession {
  sessionId: string;
  customerId: string;
  paymentIntentId: string;
  amountMinor: number;
  currency: string;
  metadata: Record<string, string>;
}

export type SessionDecision =
  /** A session this service created: its metadata says everything. */
  | { kind: 'credit'; entry: LedgerEntry }
  /** Someone else's session (a Payment Link, the operator's own backend): read its line items. */
  | { kind: 'inspect'; session: PaidSession }
  | { kind: 'ignore'; reason: string };

/**
 * The credit of a paid Checkout Session. Its transaction id is the PaymentIntent's, and a
 * session of ours carries on its PaymentIntent the metadata it carries itself, so
 * checkout.session.completed, async_payment_succeeded, payment_intent.succeeded of the same
 * payment and the reconciliation sweep all build this same entry (the first one queued wins).
 */
export function creditForSession(session: CheckoutSessionObject): SessionDecision {
  if (session.mode !== 'payment') return { kind: 'ignore', reason: `checkout session in ${session.mode} mode is not a one-off payment` };
  // Delayed methods (ACH, SEPA debit…): complete but unpaid until async_payment_succeeded.
  if (session.payment_status !== 'paid') return { kind: 'ignore', reason: `checkout session is ${session.payment_status}: nothing is credited until it is paid` };
  if (!session.customer) return { kind: 'ignore', reason: 'checkout session has no customer: no Moesif company to credit' };
  if (!session.payment_intent) return { kind: 'ignore', reason: 'checkout session has no payment intent' };
  if (!session.amount_total || !session.currency) return { kind: 'ignore', reason: 'checkout session received no money' };
  const paid: PaidSession = {
    sessionId: session.id,
    customerId: session.customer,
    paymentIntentId: session.payment_intent,
    amountMinor: session.amount_total,
    currency: session.currency,
    metadata: session.metadata,
  };
  const tag = readTopUpTag(session.metadata);
  if (!tag) return { kind: 'inspect', session: paid };
  return {
    kind: 'credit',
    entry: {
      transactionId: paid.paymentIntentId,
      kind: 'credit',
      customerId: paid.customerId,
      companyId: tag.companyId,
      subscriptionId: tag.subscriptionId,
      amountMinor: paid.amountMinor,
      currency: paid.currency,
      credits: tag.credits,
      paymentIntentId: paid.paymentIntentId,
      // Sessions this service made carry origin `checkout` on both the session and its PaymentIntent.
      origin: tag.origin ?? 'checkout',
      // The same words as payment_intent.succeeded's credit: whichever is queued first is the one kept.
      description: `Stripe top-up ${paid.paymentIntentId}`,
    },
  };
}

/**
 * Someone else's paid session is a credit purchase when its lines include packs (a Price or
 * Product with moesif_credits: N per unit × quantity), or when its metadata (a Payment Link's is
 * copied to its sessions) carries the service's marker (the amount paid at CREDIT_RATES).
 * Anything else is not ours to credit. The company is resolved like a top-up's.
 */
export function creditForForeignSession(session: PaidSession, lines: readonly CheckoutLine[], companyId: string): LedgerEntry | { ignore: string } {
  const packs = lines.filter((l) => l.creditsPerUnit !== null && l.quantity > 0);
  if (packs.length === 0 && !hasCreditMarker(session.metadata)) {
    return { ignore: 'checkout session is not a credit purchase (no moesif_credits on its prices or products, no topup_sync marker)' };
  }
  const credits = packs.length > 0 ? sumCredits(packs.map((l) => creditsForQuantity(l.creditsPerUnit!, l.quantity))) : null;
  return {
    transactionId: session.paymentIntentId,
    kind: 'credit',
    customerId: session.customerId,
    companyId,
    subscriptionId: null,
    amountMinor: session.amountMinor,
    currency: session.currency,
    credits,
    paymentIntentId: session.paymentIntentId,
    description: `Stripe checkout ${session.sessionId}`,
    origin: 'checkout',
  };
}
