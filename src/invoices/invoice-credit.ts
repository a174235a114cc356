import type { LedgerEntry } from '../ledger/ledger-entry.js';
import type { Movement } from '../ledger/movement.js';
import { allocate } from '../money/allocate.js';
import { creditsForQuantity, takebackCredits } from '../packs/credit-amount.js';
import { hasCreditMarker } from '../stripe/checkout-session-info.js';
import type { InvoiceInfo } from '../stripe/invoice-info.js';

/** One line of a paid invoice: its share of what was paid, and the credits it bought (when credited). */
export interface PurchasedLine {
  lineId: string;
  /** The line's share of the invoice's amount paid (minor units), by its amount. */
  paidShareMinor: number;
  credited: boolean;
  /** Exact credits of a pack line; null for a line credited at CREDIT_RATES (the marker) or not credited. */
  credits: string | null;
}

/** What a paid invoice bought, and from whom: the base of its credits and of what refunds take back. */
export interface InvoicePurchase {
  invoiceId: string;
  customerId: string;
  currency: string;
  paidMinor: number;
  lines: PurchasedLine[];
}

const isSubscriptionInvoice = (reason: string | null): boolean => reason !== null && reason.startsWith('subscription');

/**
 * Whether a paid invoice bought credits, and which lines did. Lines whose Price (or its Product)
 * has moesif_credits are packs: quantity × N credits each. Without pack lines, an invoice whose
 * metadata carries the service's marker is credited its whole amount paid at CREDIT_RATES, spread
 * over its lines. Subscription invoices (billing_reason subscription_*) are credited only for pack
 * lines: the subscription fee itself never buys credits. The amount paid is split over the lines
 * by their amounts (allocate(): exact, the shares add up to the amount paid). A marked line whose
 * share is zero credits nothing; a pack line always credits its exact credits (the money it
 * shows is its share, at least one minor unit: for a pack the credits, not the money, are what
 * Moesif moves).
 */
export function invoicePurchase(invoice: InvoiceInfo): { ok: true; purchase: InvoicePurchase } | { ok: false; reason: string } {
  if (invoice.status !== 'paid') return { ok: false, reason: `invoice is ${invoice.status ?? 'without a status'}: only a paid invoice is credited` };
  if (!invoice.customerId) return { ok: false, reason: 'invoice has no customer: no Moesif company to credit' };
  if (invoice.amountPaidMinor <= 0) return { ok: false, reason: 'invoice received no money' };
  const isPack = (l: InvoiceInfo['lines'][number]) => l.creditsPerUnit !== null && l.quantity !== null && l.quantity > 0;
  const packs = invoice.lines.some(isPack);
  if (!packs && isSubscriptionInvoice(invoice.billingReason)) {
    return { ok: false, reason: `subscription invoice (${invoice.billingReason}) without credit packs: a subscription fee buys no credits` };
  }
  if (!packs && !hasCreditMarker(invoice.metadata)) {
    return { ok: false, reason: 'invoice is not a credit purchase (no moesif_credits on its prices or products, no topup_sync marker)' };
  }
  const weights = invoice.lines.map((l) => Math.max(l.amountMinor, 0));
  if (weights.every((w) => w === 0)) return { ok: false, reason: 'invoice has no line with a positive amount to credit' };
  const shares = allocate(invoice.amountPaidMinor, weights);
  const lines = invoice.lines.map((l, i): PurchasedLine => {
    const credited = packs ? isPack(l) : shares[i]! > 0;
    return {
      lineId: l.id,
      paidShareMinor: shares[i]!,
      credited,
      credits: credited && packs ? creditsForQuantity(l.creditsPerUnit!, l.quantity!) : null,
    };
  });
  if (!lines.some((l) => l.credited)) return { ok: false, reason: 'no line of the invoice was paid a share to credit' };
  return { ok: true, purchase: { invoiceId: invoice.id, customerId: invoice.customerId, currency: invoice.currency, paidMinor: invoice.amountPaidMinor, lines } };
}

/** The Moesif company and subscription a purchase credits (resolved like any purchase the service did not start). */
export interface Whom {
  companyId: string;
  subscriptionId: string | null;
}

/** The id of a line's entry for a Stripe object: the object id (invoice, refund, credit note…) plus ':' plus the line id. */
export const lineTransactionId = (objectId: string, lineId: string): string => `${objectId}:${lineId}`;

/** One credit per credited line: transaction id `in_…:il_…`, so every path that notices the payment builds the same entries. */
export function invoiceCreditEntries(purchase: InvoicePurchase, whom: Whom): LedgerEntry[] {
  return purchase.lines
    .filter((l) => l.credited)
    .map((l) => ({
      transactionId: lineTransactionId(purchase.invoiceId, l.lineId),
      kind: 'credit',
      customerId: purchase.customerId,
      ...whom,
      amountMinor: Math.max(l.paidShareMinor, 1),
      currency: purchase.currency,
      credits: l.credits,
      paymentIntentId: purchase.invoiceId,
      description: `Stripe invoice ${purchase.invoiceId}`,
    }));
}

/**
 * A refund's, credit note's or dispute's movement of an invoice's money, spread over the lines
 * the invoice credited, one entry per line (`<movement id>:<line id>`). The money moved is split
 * over all the invoice's lines like the amount paid was (a share of a line that was not credited
 * moves nothing); a pack line takes back credits × moved ÷ paid of the whole invoice, rounded
 * down to the micro-credit (packs/credit-amount.ts), whatever its share of the money (shown as
 * at least one minor unit); moving all that was paid moves exactly what each line credited. A
 * marked line (credits at CREDIT_RATES) whose share of the movement is zero moves nothing.
 */
export function spreadMovement(purchase: InvoicePurchase, movement: Movement, whom: Whom): LedgerEntry[] {
  const moved = Math.min(movement.amountMinor, purchase.paidMinor);
  const shares = allocate(moved, purchase.lines.map((l) => l.paidShareMinor));
  return purchase.lines.flatMap((line, i) => {
    const share = shares[i]!;
    if (!line.credited) return [];
    if (line.credits === null && share <= 0) return [];
    const credits = line.credits === null ? null : takebackCredits(line.credits, purchase.paidMinor, movement.amountMinor);
    if (line.credits !== null && credits === null) return [];
    return [
      {
        transactionId: lineTransactionId(movement.transactionId, line.lineId),
        kind: movement.kind,
        customerId: purchase.customerId,
        ...whom,
        amountMinor: Math.max(share, 1),
        currency: movement.currency,
        credits,
        paymentIntentId: purchase.invoiceId,
        description: `${movement.description} (invoice ${purchase.invoiceId})`,
      },
    ];
  });
}
