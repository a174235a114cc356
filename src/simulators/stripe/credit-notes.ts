import type Stripe from 'stripe';
import { integerAmount } from './amount-rules.js';
import type { EndpointRequest, Params, ParamsRule, StripeEndpoint } from './endpoint.js';
import { invoicePaymentIntent } from './invoices.js';
import { OPTIONAL, REQUIRED, type ExactSchema } from './param-schema.js';
import { invalidRequest, resourceMissing } from './stripe-error.js';
import { finder, isObject, newId, nowSeconds, type StripeWorld } from './world.js';

/**
 * Credit notes of finalized invoices (https://docs.stripe.com/api/credit_notes/create): a credit
 * note first reduces what is still due (pre_payment_amount); the rest (post_payment_amount) is
 * refunded (refund_amount, which creates a Refund of the invoice's payment), credited to the
 * customer's balance (credit_amount) or recorded as settled outside Stripe (out_of_band_amount),
 * and "the sum of refunds, customer balance credits, and outside of Stripe credits must equal
 * the post_payment_amount".
 */

const CREDIT_NOTE_LINE = {
  amount: OPTIONAL,
  description: OPTIONAL,
  invoice_line_item: OPTIONAL,
  metadata: OPTIONAL,
  quantity: OPTIONAL,
  tax_amounts: OPTIONAL,
  tax_rates: OPTIONAL,
  type: REQUIRED,
  unit_amount: OPTIONAL,
  unit_amount_decimal: OPTIONAL,
} as const satisfies ExactSchema<Stripe.CreditNoteCreateParams.Line>;

export const CREDIT_NOTE_CREATE = {
  amount: OPTIONAL,
  credit_amount: OPTIONAL,
  effective_at: OPTIONAL,
  email_type: OPTIONAL,
  expand: OPTIONAL,
  invoice: REQUIRED,
  lines: { required: false, fields: CREDIT_NOTE_LINE },
  memo: OPTIONAL,
  metadata: OPTIONAL,
  out_of_band_amount: OPTIONAL,
  reason: OPTIONAL,
  refund_amount: OPTIONAL,
  refunds: OPTIONAL,
  shipping_cost: OPTIONAL,
} as const satisfies ExactSchema<Stripe.CreditNoteCreateParams>;

export const CREDIT_NOTE_RETRIEVE = { expand: OPTIONAL } as const satisfies ExactSchema<Stripe.CreditNoteRetrieveParams>;
export const CREDIT_NOTE_VOID = { expand: OPTIONAL } as const satisfies ExactSchema<Stripe.CreditNoteVoidCreditNoteParams>;

const linesOf = (params: Params): Record<string, unknown>[] =>
  Array.isArray(params.lines) ? params.lines.filter(isObject) : isObject(params.lines) ? Object.values(params.lines).filter(isObject) : [];

/** Amounts are non-negative integers (Stripe: parameter_invalid_integer). */
const amountsAreIntegers: ParamsRule = (params) => {
  for (const key of ['amount', 'credit_amount', 'refund_amount', 'out_of_band_amount'] as const) {
    if (params[key] === undefined) continue;
    const n = integerAmount(key, params[key]);
    if (typeof n !== 'number') return n;
    if (n < 0) return invalidRequest('parameter_invalid_integer', key, 'This value must be greater than or equal to 0.');
  }
  return null;
};

/** The API reference: a credit note's total is its `amount` or the sum of its `lines`. */
const amountOrLines: ParamsRule = (params) =>
  params.amount === undefined && linesOf(params).length === 0 ? invalidRequest('parameter_missing', 'amount', 'You must pass either `amount` or `lines`.') : null;

/** The credit note's lines and total, from `lines` (an invoice line, by amount or quantity) or `amount`. */
function creditLines(invoice: Stripe.Invoice, params: Params): { total: number; lines: Record<string, unknown>[] } {
  const given = linesOf(params);
  if (given.length === 0) {
    const amount = Number(params.amount);
    return { total: amount, lines: [{ id: newId('cnli'), object: 'credit_note_line_item', type: 'custom_line_item', amount, quantity: 1, invoice_line_item: null }] };
  }
  const lines = given.map((line, i) => {
    let amount: number;
    if (line.type === 'invoice_line_item') {
      const invoiceLine = invoice.lines.data.find((l) => l.id === line.invoice_line_item);
      // Stripe: the line must be one of this invoice's.
      if (!invoiceLine) throw resourceMissing('invoice line item', String(line.invoice_line_item ?? ''), `lines[${i}][invoice_line_item]`);
      const unit = invoiceLine.quantity ? Math.floor(invoiceLine.amount / invoiceLine.quantity) : invoiceLine.amount;
      amount = line.amount !== undefined ? Number(line.amount) : unit * Number(line.quantity ?? invoiceLine.quantity ?? 1);
    } else {
      amount = line.amount !== undefined ? Number(line.amount) : Number(line.unit_amount ?? 0) * Number(line.quantity ?? 1);
    }
    return { id: newId('cnli'), object: 'credit_note_line_item', type: line.type, amount, quantity: line.quantity ?? null, invoice_line_item: line.invoice_line_item ?? null };
  });
  const total = lines.reduce((sum, l) => sum + l.amount, 0);
  if (params.amount !== undefined && Number(params.amount) !== total) {
    throw invalidRequest(undefined, 'amount', `The credit note amount (${String(params.amount)}) must equal the sum of its lines (${total}).`);
  }
  return { total, lines };
}

export function createCreditNote(world: StripeWorld, params: Params, request?: EndpointRequest): Stripe.CreditNote {
  const invoice = world.invoices.get(String(params.invoice));
  if (!invoice) throw resourceMissing('invoice', String(params.invoice), 'invoice');
  // Stripe: credit notes adjust finalized invoices only (not drafts, not voided ones).
  if (!['open', 'paid', 'uncollectible'].includes(String(invoice.status))) {
    throw invalidRequest(undefined, 'invoice', `You can only create a credit note for a finalized invoice; this invoice is ${invoice.status}.`);
  }
  const { total, lines } = creditLines(invoice, params);
  if (total <= 0) throw invalidRequest(undefined, 'amount', 'The credit note total must be greater than 0.');
  const prePayment = Math.min(total, invoice.amount_remaining);
  const postPayment = total - prePayment;
  // Stripe: a credit note cannot credit more than was paid and not yet credited.
  const creditable = invoice.amount_paid - invoice.post_payment_credit_notes_amount;
  if (postPayment > creditable) {
    throw invalidRequest(undefined, 'amount', `The credit note's post-payment amount (${postPayment}) exceeds what can still be credited on this invoice (${creditable}).`);
  }
  const refundAmount = Number(params.refund_amount ?? 0);
  const creditAmount = Number(params.credit_amount ?? 0);
  const outOfBand = Number(params.out_of_band_amount ?? 0);
  // Stripe: "The sum of refunds, customer balance credits, and outside of Stripe credits must equal the post_payment_amount."
  if (refundAmount + creditAmount + outOfBand !== postPayment) {
    throw invalidRequest(
      undefined,
      'refund_amount',
      `The sum of refund_amount, credit_amount and out_of_band_amount (${refundAmount + creditAmount + outOfBand}) must equal the credit note's post-payment amount (${postPayment}).`,
    );
  }
  const refunds: Stripe.CreditNote.Refund[] = [];
  if (refundAmount > 0) {
    const pi = invoicePaymentIntent(world, invoice.id);
    // Stripe refunds the invoice's payment: there must be one that moved money.
    if (!pi || pi.status !== 'succeeded') throw invalidRequest(undefined, 'refund_amount', 'This invoice has no payment to refund.');
    const refund = {
      id: newId('re'),
      object: 'refund',
      amount: refundAmount,
      currency: invoice.currency,
      payment_intent: pi.id,
      charge: pi.latest_charge ?? null,
      status: 'succeeded',
      created: nowSeconds(),
      metadata: {},
    };
    refunds.push({ amount_refunded: refundAmount, refund: refund.id, payment_record_refund: null, type: 'refund' });
    world.emit('refund.created', refund, request);
  }
  const id = newId('cn');
  const note = {
    id,
    object: 'credit_note',
    amount: total,
    created: nowSeconds(),
    currency: invoice.currency,
    customer: invoice.customer,
    invoice: invoice.id,
    lines: { object: 'list', data: lines, has_more: false, url: `/v1/credit_notes/${id}/lines` },
    livemode: false,
    memo: typeof params.memo === 'string' ? params.memo : null,
    metadata: isObject(params.metadata) ? params.metadata : {},
    number: `${invoice.number ?? 'SIM'}-CN-${invoice.post_payment_credit_notes_amount + invoice.pre_payment_credit_notes_amount + total}`,
    out_of_band_amount: outOfBand || null,
    post_payment_amount: postPayment,
    pre_payment_amount: prePayment,
    reason: params.reason ?? null,
    refunds,
    status: 'issued',
    subtotal: total,
    total,
    type: prePayment > 0 && postPayment > 0 ? 'mixed' : postPayment > 0 ? 'post_payment' : 'pre_payment',
    voided_at: null,
  } as unknown as Stripe.CreditNote;
  world.creditNotes.set(id, note);
  Object.assign(invoice, {
    pre_payment_credit_notes_amount: invoice.pre_payment_credit_notes_amount + prePayment,
    post_payment_credit_notes_amount: invoice.post_payment_credit_notes_amount + postPayment,
    amount_remaining: invoice.amount_remaining - prePayment,
    amount_due: invoice.amount_due - prePayment,
  });
  world.emit('credit_note.created', structuredClone(note), request);
  return note;
}

export function creditNoteEndpoints(world: StripeWorld): StripeEndpoint[] {
  const find = finder(world.creditNotes, 'credit note');
  return [
    {
      method: 'POST',
      path: '/v1/credit_notes',
      params: CREDIT_NOTE_CREATE,
      rules: [amountsAreIntegers, amountOrLines],
      handle: (request) => ({ body: createCreditNote(world, request.params, request) }),
    },
    {
      method: 'GET',
      path: '/v1/credit_notes/:id',
      params: CREDIT_NOTE_RETRIEVE,
      handle: (request) => ({ body: find(request.path.id!) }),
    },
    {
      method: 'POST',
      path: '/v1/credit_notes/:id/void',
      params: CREDIT_NOTE_VOID,
      handle(request) {
        const note = find(request.path.id!);
        // Stripe voids an issued credit note once; a void one cannot be voided again.
        if (note.status !== 'issued') throw invalidRequest(undefined, undefined, `This credit note is ${note.status}; only an issued credit note can be voided.`);
        Object.assign(note, { status: 'void', voided_at: nowSeconds() });
        const invoice = world.invoices.get(String(note.invoice));
        if (invoice) invoice.post_payment_credit_notes_amount -= note.post_payment_amount;
        world.emit('credit_note.voided', structuredClone(note), request);
        return { body: note };
      },
    },
  ];
}
