import type Stripe from 'stripe';
import { creditsForQuantity, takebackCredits } from '../src/packs/credit-amount.js';
import type { FakeStripe } from '../src/simulators/stripe/fake-stripe.js';
import type { Rng } from './rng.js';
import type { PlannedRefund, SoakCustomer } from './plan.js';

/**
 * A B2B one-off invoice of credit packs, as the soak plans it: 1–3 pack lines (quantity 1–4 of a
 * pack of up to 500,000 credits), paid by card. Its invoice.paid credits each line (`in_…:il_…`),
 * its untagged payment_intent.succeeded credits nothing, and its refunds take back each line's
 * proportional share (the packs' rule), in whatever order the events arrive.
 */

/** Share of the planned top-ups that also buy an invoice. */
export const INVOICE_RATE = 0.1;

export interface PlannedInvoiceLine {
  id: string;
  priceId: string;
  unitAmount: number;
  quantity: number;
  creditsPerUnit: string;
}

export interface PlannedInvoice {
  id: string;
  customer: SoakCustomer;
  lines: PlannedInvoiceLine[];
  amountPaid: number;
  paymentIntent: Stripe.PaymentIntent;
  refunds: PlannedRefund[];
}

export function drawInvoice(rng: Rng, tag: string, k: number, customer: SoakCustomer, createdBase: number): PlannedInvoice {
  const id = `in_${tag}_${k}`;
  const lines = Array.from({ length: rng.int(1, 3) }, (_, l) => ({
    id: `il_${tag}_${k}_${l}`,
    priceId: `price_${tag}_${k}_${l}`,
    unitAmount: rng.int(50, 50_000),
    quantity: rng.int(1, 4),
    creditsPerUnit: `${rng.int(1, 500_000)}.${rng.int(0, 9)}`.replace(/\.0$/, ''),
  }));
  const amountPaid = lines.reduce((s, l) => s + l.unitAmount * l.quantity, 0);
  const piId = `pi_${tag}_inv_${k}`;
  const paymentIntent = {
    id: piId,
    object: 'payment_intent',
    amount: amountPaid,
    amount_received: amountPaid,
    currency: 'usd',
    customer: customer.customerId,
    status: 'succeeded',
    client_secret: `${piId}_secret_soak`,
    // Stripe makes an invoice's PaymentIntent: none of the service's metadata.
    metadata: {},
    payment_method: 'pm_card_visa',
    latest_charge: `ch_${tag}_inv_${k}`,
    description: `Payment for Invoice ${id}`,
    livemode: false,
    created: createdBase,
  } as unknown as Stripe.PaymentIntent;
  return { id, customer, lines, amountPaid, paymentIntent, refunds: [] };
}

/** The invoice as Stripe renders it in invoice.paid (lines since API 2025-03-31 carry pricing.price_details). */
export function paidInvoiceObject(invoice: PlannedInvoice, createdBase: number) {
  return {
    id: invoice.id,
    object: 'invoice',
    status: 'paid',
    billing_reason: 'manual',
    customer: invoice.customer.customerId,
    currency: 'usd',
    amount_due: invoice.amountPaid,
    amount_paid: invoice.amountPaid,
    amount_overpaid: 0,
    amount_remaining: 0,
    metadata: {},
    created: createdBase,
    livemode: false,
    lines: {
      object: 'list',
      has_more: false,
      url: `/v1/invoices/${invoice.id}/lines`,
      data: invoice.lines.map((l) => ({
        id: l.id,
        object: 'line_item',
        amount: l.unitAmount * l.quantity,
        currency: 'usd',
        invoice: invoice.id,
        quantity: l.quantity,
        metadata: {},
        pricing: { type: 'price_details', price_details: { price: l.priceId, product: `prod_${l.priceId}` }, unit_amount_decimal: String(l.unitAmount) },
      })),
    },
  };
}

/** Puts the invoice, its Prices (moesif_credits on the Price) and its payment where the service will look them up. */
export function loadInvoice(stripe: FakeStripe, invoice: PlannedInvoice, createdBase: number): void {
  for (const l of invoice.lines) {
    stripe.products.set(`prod_${l.priceId}`, { id: `prod_${l.priceId}`, object: 'product', active: true, name: 'Credit pack', metadata: {} } as unknown as Stripe.Product);
    stripe.prices.set(l.priceId, {
      id: l.priceId,
      object: 'price',
      active: true,
      currency: 'usd',
      unit_amount: l.unitAmount,
      type: 'one_time',
      recurring: null,
      product: `prod_${l.priceId}`,
      nickname: null,
      metadata: { moesif_credits: l.creditsPerUnit },
      created: createdBase,
      livemode: false,
    } as unknown as Stripe.Price);
  }
  stripe.invoices.set(invoice.id, paidInvoiceObject(invoice, createdBase) as unknown as Stripe.Invoice);
  stripe.paymentIntents.set(invoice.paymentIntent.id, invoice.paymentIntent);
  stripe.invoicePayments.set(`inpay_${invoice.id}`, {
    id: `inpay_${invoice.id}`,
    object: 'invoice_payment',
    amount_paid: invoice.amountPaid,
    amount_requested: invoice.amountPaid,
    currency: 'usd',
    invoice: invoice.id,
    is_default: true,
    livemode: false,
    created: createdBase,
    payment: { type: 'payment_intent', payment_intent: invoice.paymentIntent.id },
    status: 'paid',
    status_transitions: { canceled_at: null, paid_at: createdBase },
  } as unknown as Stripe.InvoicePayment);
}

/** The Moesif transactions an invoice must end as: a credit per line, a debit (and a reversal) per refund per line. */
export function expectedInvoiceTransactions(invoice: PlannedInvoice): { transactionId: string; type: 'credit' | 'debit'; amountText: string }[] {
  const credits = invoice.lines.map((l) => creditsForQuantity(l.creditsPerUnit, l.quantity));
  const out: { transactionId: string; type: 'credit' | 'debit'; amountText: string }[] = invoice.lines.map((l, i) => ({
    transactionId: `${invoice.id}:${l.id}`,
    type: 'credit',
    amountText: credits[i]!,
  }));
  // Every line is a pack line: each takes back credits × refunded ÷ paid (its money share only shows).
  for (const r of invoice.refunds) {
    invoice.lines.forEach((l, i) => {
      const amountText = takebackCredits(credits[i]!, invoice.amountPaid, r.amountMinor);
      if (amountText === null) return;
      out.push({ transactionId: `${r.id}:${l.id}`, type: 'debit', amountText });
      if (r.undoneAs) out.push({ transactionId: `${r.id}:reversed:${l.id}`, type: 'credit', amountText });
    });
  }
  return out;
}
