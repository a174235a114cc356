import type Stripe from 'stripe';

/** One line of an invoice: a pack line when its Price (or the Price's Product) carries moesif_credits. */
export interface InvoiceLineInfo {
  id: string;
  priceId: string | null;
  /** Null for a line without a quantity (an amount-only line). */
  quantity: number | null;
  /** The line's amount before discounts, minor units (negative for a credit line). */
  amountMinor: number;
  /** Credits per unit (exact), or null for a line that is not a pack. */
  creditsPerUnit: string | null;
}

/** An invoice in the project's own terms: what deciding its credit needs. */
export interface InvoiceInfo {
  id: string;
  status: string | null;
  customerId: string | null;
  billingReason: string | null;
  /** What the invoice kept of what was paid: amount_paid less an overpayment (Stripe puts that on the customer's credit balance). */
  amountPaidMinor: number;
  currency: string;
  metadata: Record<string, string>;
  lines: InvoiceLineInfo[];
  /** The PaymentIntents of its InvoicePayments (since API 2025-03-31 an invoice does not name them itself). */
  paymentIntentIds: string[];
}

const idOf = (ref: string | { id: string } | null | undefined): string | null => (ref == null ? null : typeof ref === 'string' ? ref : ref.id);

/** The Price a line was billed at (since API 2025-03-31: `pricing.price_details.price`). */
export const linePriceId = (line: Stripe.InvoiceLineItem): string | null => idOf(line.pricing?.price_details?.price);

export function toInvoiceInfo(
  invoice: Stripe.Invoice,
  lines: readonly Stripe.InvoiceLineItem[],
  creditsOfPrice: ReadonlyMap<string, string | null>,
  paymentIntentIds: string[],
): InvoiceInfo {
  return {
    id: invoice.id,
    status: invoice.status ?? null,
    customerId: idOf(invoice.customer),
    billingReason: invoice.billing_reason ?? null,
    amountPaidMinor: invoice.amount_paid - Math.max(invoice.amount_overpaid ?? 0, 0),
    currency: invoice.currency.toLowerCase(),
    metadata: invoice.metadata ?? {},
    lines: lines.map((l) => {
      const priceId = linePriceId(l);
      return { id: l.id, priceId, quantity: l.quantity ?? null, amountMinor: l.amount, creditsPerUnit: priceId ? (creditsOfPrice.get(priceId) ?? null) : null };
    }),
    paymentIntentIds,
  };
}
