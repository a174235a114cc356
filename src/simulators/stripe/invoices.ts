import type Stripe from 'stripe';
import { chargeAmountRefusal, integerAmount } from './amount-rules.js';
import type { EndpointRequest, Params, ParamsRule, StripeEndpoint } from './endpoint.js';
import { OPTIONAL, REQUIRED, type ExactSchema } from './param-schema.js';
import { StripeApiError, invalidRequest, resourceMissing } from './stripe-error.js';
import { finder, isObject, isTrue, newId, nowSeconds, outcomeOf, type StripeWorld } from './world.js';

/**
 * One-off invoices as an operator (or their backend) makes them: create a draft, add lines
 * (a Price, optionally a quantity), finalize, pay. Each rule cites what Stripe does. Since API
 * 2025-03-31 an invoice names neither its charge nor its PaymentIntent: how it was paid is an
 * InvoicePayment (GET /v1/invoice_payments, payment-owners.ts).
 */

export const INVOICE_CREATE = {
  account_tax_ids: OPTIONAL,
  application_fee_amount: OPTIONAL,
  auto_advance: OPTIONAL,
  automatic_tax: OPTIONAL,
  automatically_finalizes_at: OPTIONAL,
  collection_method: OPTIONAL,
  currency: OPTIONAL,
  custom_fields: OPTIONAL,
  customer: OPTIONAL,
  customer_account: OPTIONAL,
  days_until_due: OPTIONAL,
  default_payment_method: OPTIONAL,
  default_source: OPTIONAL,
  default_tax_rates: OPTIONAL,
  description: OPTIONAL,
  discounts: OPTIONAL,
  due_date: OPTIONAL,
  effective_at: OPTIONAL,
  expand: OPTIONAL,
  footer: OPTIONAL,
  from_invoice: OPTIONAL,
  issuer: OPTIONAL,
  metadata: OPTIONAL,
  number: OPTIONAL,
  on_behalf_of: OPTIONAL,
  payment_settings: OPTIONAL,
  pending_invoice_items_behavior: OPTIONAL,
  rendering: OPTIONAL,
  shipping_cost: OPTIONAL,
  shipping_details: OPTIONAL,
  statement_descriptor: OPTIONAL,
  subscription: OPTIONAL,
  transfer_data: OPTIONAL,
} as const satisfies ExactSchema<Stripe.InvoiceCreateParams>;

export const INVOICE_RETRIEVE = { expand: OPTIONAL } as const satisfies ExactSchema<Stripe.InvoiceRetrieveParams>;

const INVOICE_LINE = {
  amount: OPTIONAL,
  description: OPTIONAL,
  discountable: OPTIONAL,
  discounts: OPTIONAL,
  invoice_item: OPTIONAL,
  metadata: OPTIONAL,
  period: OPTIONAL,
  price_data: OPTIONAL,
  pricing: OPTIONAL,
  quantity: OPTIONAL,
  quantity_decimal: OPTIONAL,
  tax_amounts: OPTIONAL,
  tax_rates: OPTIONAL,
} as const satisfies ExactSchema<Stripe.InvoiceAddLinesParams.Line>;

export const INVOICE_ADD_LINES = {
  expand: OPTIONAL,
  invoice_metadata: OPTIONAL,
  lines: { required: true, fields: INVOICE_LINE },
} as const satisfies ExactSchema<Stripe.InvoiceAddLinesParams>;

export const INVOICE_FINALIZE = { auto_advance: OPTIONAL, expand: OPTIONAL } as const satisfies ExactSchema<Stripe.InvoiceFinalizeInvoiceParams>;

export const INVOICE_PAY = {
  expand: OPTIONAL,
  forgive: OPTIONAL,
  mandate: OPTIONAL,
  off_session: OPTIONAL,
  paid_out_of_band: OPTIONAL,
  payment_method: OPTIONAL,
  source: OPTIONAL,
} as const satisfies ExactSchema<Stripe.InvoicePayParams>;

export const INVOICE_LINES = {
  ending_before: OPTIONAL,
  expand: OPTIONAL,
  limit: OPTIONAL,
  starting_after: OPTIONAL,
} as const satisfies ExactSchema<Stripe.InvoiceListLineItemsParams>;

/** How the simulator's own helpers (not the API) describe a line: a Price and a quantity. */
export interface InvoiceLineInput {
  price: string;
  quantity?: number;
}

const linesOf = (params: Params): Record<string, unknown>[] =>
  Array.isArray(params.lines) ? params.lines.filter(isObject) : isObject(params.lines) ? Object.values(params.lines).filter(isObject) : [];

/** API reference, add lines: each line is a Price (`pricing[price]`), `price_data` or an `amount`; this simulator models Prices and amounts. */
const linesPriced: ParamsRule = (params) => {
  for (const [i, line] of linesOf(params).entries()) {
    const pricing = isObject(line.pricing) ? line.pricing : null;
    if (!pricing?.price && line.amount === undefined) {
      return invalidRequest('parameter_missing', `lines[${i}][pricing][price]`, `You must specify either \`pricing[price]\` or \`amount\` in lines[${i}].`);
    }
    if (line.amount !== undefined) {
      const amount = integerAmount(`lines[${i}][amount]`, line.amount);
      if (typeof amount !== 'number') return amount;
    }
    if (line.quantity !== undefined) {
      const quantity = integerAmount(`lines[${i}][quantity]`, line.quantity);
      if (typeof quantity !== 'number') return quantity;
      // Stripe: quantity is a non-negative integer.
      if (quantity < 0) return invalidRequest('parameter_invalid_integer', `lines[${i}][quantity]`, 'This value must be greater than or equal to 0.');
    }
  }
  return null;
};

const lineAmount = (l: Stripe.InvoiceLineItem) => l.amount;

/** Recomputes an invoice's totals from its lines (no tax, no discounts in this simulator). */
function recomputeTotals(invoice: Stripe.Invoice): void {
  const total = invoice.lines.data.reduce((sum, l) => sum + lineAmount(l), 0);
  Object.assign(invoice, { subtotal: total, total, amount_due: Math.max(total, 0), amount_remaining: Math.max(total, 0) });
}

/** A new line on a draft invoice, as Stripe renders it (since 2025-03-31: `pricing.price_details`, no `price`). */
function newLine(world: StripeWorld, invoice: Stripe.Invoice, line: Record<string, unknown>, i: number, bySubscription: boolean): Stripe.InvoiceLineItem {
  const pricing = isObject(line.pricing) ? line.pricing : null;
  const quantity = line.quantity === undefined ? 1 : Number(line.quantity);
  let amount: number;
  let priceDetails: { price: string; product: string } | undefined;
  let unitAmount: number | null = null;
  if (pricing?.price) {
    const price = world.prices.get(String(pricing.price));
    if (!price) throw resourceMissing('price', String(pricing.price), `lines[${i}][pricing][price]`);
    // Stripe: "The price specified is inactive. This field only accepts active prices."
    if (!price.active) throw invalidRequest(undefined, `lines[${i}][pricing][price]`, 'The price specified is inactive. This field only accepts active prices.');
    // Stripe: invoice items accept one-time prices only (a recurring price belongs on a subscription,
    // whose own invoices Stripe's billing makes).
    if (price.type === 'recurring' && !bySubscription) {
      throw invalidRequest(undefined, `lines[${i}][pricing][price]`, 'The price specified is set to `type=recurring` but this field only accepts prices with `type=one_time`.');
    }
    // Stripe: an invoice has one currency; every line's price must be in it.
    if (price.currency !== invoice.currency) {
      throw invalidRequest(undefined, `lines[${i}][pricing][price]`, `The price's currency (${price.currency}) must match the invoice's currency (${invoice.currency}).`);
    }
    unitAmount = price.unit_amount ?? 0;
    amount = unitAmount * quantity;
    priceDetails = { price: price.id, product: String(price.product) };
  } else {
    amount = Number(line.amount);
  }
  return {
    id: newId('il'),
    object: 'line_item',
    amount,
    currency: invoice.currency,
    description: typeof line.description === 'string' ? line.description : null,
    discount_amounts: [],
    discountable: true,
    discounts: [],
    invoice: invoice.id,
    livemode: false,
    metadata: isObject(line.metadata) ? line.metadata : {},
    parent: { type: 'invoice_item_details', invoice_item_details: { invoice_item: newId('ii') }, subscription_item_details: null },
    period: { start: nowSeconds(), end: nowSeconds() },
    pretax_credit_amounts: [],
    pricing: priceDetails ? { type: 'price_details', price_details: priceDetails, unit_amount_decimal: String(unitAmount) } : null,
    quantity: priceDetails ? quantity : null,
    subtotal: amount,
    taxes: [],
  } as unknown as Stripe.InvoiceLineItem;
}

/** An invoice as Stripe renders it: its first 10 lines inline (`lines.has_more` says if there are more). */
export function renderInvoice(invoice: Stripe.Invoice): Stripe.Invoice {
  const copy = structuredClone(invoice);
  copy.lines = { ...copy.lines, data: copy.lines.data.slice(0, 10), has_more: copy.lines.data.length > 10 };
  return copy;
}

/** A draft invoice (POST /v1/invoices, or Stripe's billing for a subscription). */
export function newInvoice(world: StripeWorld, fields: { customer: string; currency: string; metadata: Record<string, string>; billingReason: Stripe.Invoice.BillingReason; subscription?: string; collectionMethod?: string }): Stripe.Invoice {
  const id = newId('in');
  const invoice = {
    id,
    object: 'invoice',
    amount_due: 0,
    amount_overpaid: 0,
    amount_paid: 0,
    amount_remaining: 0,
    attempt_count: 0,
    attempted: false,
    billing_reason: fields.billingReason,
    collection_method: fields.collectionMethod ?? 'charge_automatically',
    created: nowSeconds(),
    currency: fields.currency,
    customer: fields.customer,
    lines: { object: 'list', data: [], has_more: false, url: `/v1/invoices/${id}/lines` },
    livemode: false,
    metadata: fields.metadata,
    number: null,
    parent: fields.subscription
      ? { type: 'subscription_details', quote_details: null, subscription_details: { subscription: fields.subscription, metadata: {} } }
      : null,
    post_payment_credit_notes_amount: 0,
    pre_payment_credit_notes_amount: 0,
    status: 'draft',
    status_transitions: { finalized_at: null, marked_uncollectible_at: null, paid_at: null, voided_at: null },
    subtotal: 0,
    total: 0,
  } as unknown as Stripe.Invoice;
  world.invoices.set(id, invoice);
  return invoice;
}

export function addInvoiceLines(world: StripeWorld, invoice: Stripe.Invoice, lines: Record<string, unknown>[]): void {
  const bySubscription = String(invoice.billing_reason).startsWith('subscription');
  // Stripe: lines can be added to draft invoices only.
  if (invoice.status !== 'draft') throw invalidRequest(undefined, 'lines', `You can only add lines to a draft invoice; this invoice is ${invoice.status}.`);
  const added = lines.map((line, i) => newLine(world, invoice, line, i, bySubscription));
  invoice.lines.data.push(...added);
  recomputeTotals(invoice);
}

/**
 * Finalizing: draft → open, numbered, and (collection_method=charge_automatically, amount due)
 * Stripe creates the PaymentIntent that will pay it, recorded as the invoice's default
 * InvoicePayment (status open). A zero-amount invoice is paid at once.
 */
export function finalizeInvoice(world: StripeWorld, invoice: Stripe.Invoice, request?: EndpointRequest): void {
  // Stripe: "This invoice is already finalized, you can't re-finalize a non-draft invoice."
  if (invoice.status !== 'draft') throw invalidRequest('invoice_not_editable', undefined, "This invoice is already finalized, you can't re-finalize a non-draft invoice.");
  if (invoice.amount_due > 0) {
    // The amount is a charge like any other (minimums, three-decimal currencies…).
    const refusal = chargeAmountRefusal('amount_due', invoice.amount_due, invoice.currency);
    if (refusal) throw refusal;
  }
  Object.assign(invoice, { status: 'open', number: `SIM-${invoice.id.slice(-6).toUpperCase()}` });
  invoice.status_transitions.finalized_at = nowSeconds();
  if (invoice.amount_due === 0) {
    markPaid(world, invoice, null, request);
    return;
  }
  const piId = newId('pi');
  world.paymentIntents.set(piId, {
    id: piId,
    object: 'payment_intent',
    amount: invoice.amount_due,
    amount_received: 0,
    currency: invoice.currency,
    customer: invoice.customer,
    status: 'requires_payment_method',
    description: `Payment for Invoice ${invoice.number}`,
    // Stripe makes an invoice's PaymentIntent itself: none of the service's metadata is on it.
    metadata: {},
    payment_method: null,
    client_secret: `${piId}_secret_sim`,
    created: nowSeconds(),
    livemode: false,
  } as unknown as Stripe.PaymentIntent);
  const paymentId = newId('inpay');
  world.invoicePayments.set(paymentId, {
    id: paymentId,
    object: 'invoice_payment',
    amount_paid: null,
    amount_requested: invoice.amount_due,
    created: nowSeconds(),
    currency: invoice.currency,
    invoice: invoice.id,
    is_default: true,
    livemode: false,
    payment: { type: 'payment_intent', payment_intent: piId },
    status: 'open',
    status_transitions: { canceled_at: null, paid_at: null },
  } as unknown as Stripe.InvoicePayment);
  world.emit('invoice.finalized', renderInvoice(invoice), request);
}

const defaultPaymentOf = (world: StripeWorld, invoiceId: string) =>
  [...world.invoicePayments.values()].find((p) => p.invoice === invoiceId && p.is_default && p.payment.type === 'payment_intent') ?? null;

/** The PaymentIntent that paid (or will pay) an invoice, as its default InvoicePayment names it. */
export function invoicePaymentIntent(world: StripeWorld, invoiceId: string): Stripe.PaymentIntent | null {
  const payment = defaultPaymentOf(world, invoiceId);
  return payment ? (world.paymentIntents.get(String(payment.payment.payment_intent)) ?? null) : null;
}

function markPaid(world: StripeWorld, invoice: Stripe.Invoice, paidByStripe: number | null, request?: EndpointRequest): void {
  const paid = invoice.amount_due;
  Object.assign(invoice, {
    status: 'paid',
    amount_paid: paid,
    amount_remaining: 0,
    attempted: true,
    attempt_count: invoice.attempt_count + (paidByStripe === null ? 0 : 1),
    ...(paidByStripe === null && paid > 0 ? { amount_paid_off_stripe: paid } : {}),
  });
  invoice.status_transitions.paid_at = nowSeconds();
  // Stripe sends invoice.paid for every paid invoice (also paid out of band), then invoice.payment_succeeded
  // when a payment collected it.
  world.emit('invoice.paid', renderInvoice(invoice), request);
  if (paidByStripe !== null) world.emit('invoice.payment_succeeded', renderInvoice(invoice), request);
}

/**
 * Paying an open invoice: with its payment_method (or the customer's default), the default
 * PaymentIntent is confirmed: payment_intent.succeeded, then invoice.paid. A decline is Stripe's
 * 402 card_error, the invoice stays open (invoice.payment_failed). paid_out_of_band marks it paid
 * without moving money (invoice.paid only).
 */
export function payInvoice(world: StripeWorld, invoice: Stripe.Invoice, params: Params, request?: EndpointRequest): void {
  // Stripe: "Invoice is already paid" / only an open invoice can be paid.
  if (invoice.status === 'paid') throw invalidRequest('invoice_already_paid', undefined, 'Invoice is already paid');
  if (invoice.status !== 'open') throw invalidRequest('invoice_not_open', undefined, `You can only pay an open invoice; this invoice is ${invoice.status}.`);
  if (isTrue(params.paid_out_of_band)) {
    // Stripe: paid_out_of_band cannot be combined with a payment method.
    if (params.payment_method || params.source) {
      throw invalidRequest(undefined, 'paid_out_of_band', 'You cannot pass `payment_method` or `source` when `paid_out_of_band` is true.');
    }
    markPaid(world, invoice, null, request);
    return;
  }
  const pi = invoicePaymentIntent(world, invoice.id);
  if (!pi) throw invalidRequest(undefined, undefined, 'This invoice has no payment to confirm.');
  const customer = world.customers.get(String(invoice.customer));
  const paymentMethod = params.payment_method ? String(params.payment_method) : (customer?.defaultPaymentMethod ?? null);
  // Stripe: without a payment method on the call, the invoice's or the customer's default is charged; none is an error.
  if (!paymentMethod) {
    throw invalidRequest(undefined, 'payment_method', 'The customer has no default payment method and none was given to pay this invoice.');
  }
  // A payment method must be the customer's (Stripe: "The provided PaymentMethod … does not belong to this customer").
  const outcome = outcomeOf(world, paymentMethod);
  if (!outcome || !(customer?.paymentMethods ?? []).includes(paymentMethod)) {
    throw resourceMissing('payment_method', paymentMethod, 'payment_method');
  }
  Object.assign(pi, { payment_method: paymentMethod });
  invoice.attempt_count += 1;
  invoice.attempted = true;
  if (outcome.kind !== 'succeeds') {
    const code = outcome.kind === 'authentication_required' ? 'authentication_required' : 'card_declined';
    const message = outcome.kind === 'declined' ? outcome.message : 'Your card was declined.';
    Object.assign(pi, { status: 'requires_payment_method', last_payment_error: { type: 'card_error', code, message } });
    world.emit('payment_intent.payment_failed', structuredClone(pi), request);
    world.emit('invoice.payment_failed', renderInvoice(invoice), request);
    throw new StripeApiError(402, { type: 'card_error', code, message });
  }
  Object.assign(pi, { status: 'succeeded', amount_received: pi.amount, latest_charge: newId('ch') });
  const payment = defaultPaymentOf(world, invoice.id)!;
  Object.assign(payment, { status: 'paid', amount_paid: pi.amount });
  payment.status_transitions.paid_at = nowSeconds();
  world.emit('payment_intent.succeeded', structuredClone(pi), request);
  markPaid(world, invoice, pi.amount, request);
}

export function invoiceEndpoints(world: StripeWorld): StripeEndpoint[] {
  const find = finder(world.invoices, 'invoice');
  return [
    {
      method: 'POST',
      path: '/v1/invoices',
      params: INVOICE_CREATE,
      handle({ params }) {
        // Stripe: an invoice is for a customer (or a customer account, which this simulator does not model).
        if (!params.customer) throw invalidRequest('parameter_missing', 'customer', 'Missing required param: customer.');
        const customer = world.customers.get(String(params.customer));
        if (!customer || customer.deleted) throw resourceMissing('customer', String(params.customer), 'customer');
        const invoice = newInvoice(world, {
          customer: customer.id,
          currency: String(params.currency ?? 'usd').toLowerCase(),
          metadata: isObject(params.metadata) ? (params.metadata as Record<string, string>) : {},
          // Stripe: invoices created through the API (or the Dashboard) have billing_reason=manual.
          billingReason: 'manual',
          collectionMethod: params.collection_method ? String(params.collection_method) : undefined,
        });
        return { body: renderInvoice(invoice) };
      },
    },
    {
      method: 'GET',
      path: '/v1/invoices/:id',
      params: INVOICE_RETRIEVE,
      handle: (request) => ({ body: renderInvoice(find(request.path.id!)) }),
    },
    {
      method: 'POST',
      path: '/v1/invoices/:id/add_lines',
      params: INVOICE_ADD_LINES,
      rules: [linesPriced],
      handle(request) {
        const invoice = find(request.path.id!);
        addInvoiceLines(world, invoice, linesOf(request.params));
        if (isObject(request.params.invoice_metadata)) invoice.metadata = { ...invoice.metadata, ...(request.params.invoice_metadata as Record<string, string>) };
        return { body: renderInvoice(invoice) };
      },
    },
    {
      method: 'POST',
      path: '/v1/invoices/:id/finalize',
      params: INVOICE_FINALIZE,
      handle(request) {
        const invoice = find(request.path.id!);
        finalizeInvoice(world, invoice, request);
        return { body: renderInvoice(invoice) };
      },
    },
    {
      method: 'POST',
      path: '/v1/invoices/:id/pay',
      params: INVOICE_PAY,
      handle(request) {
        const invoice = find(request.path.id!);
        payInvoice(world, invoice, request.params, request);
        return { body: renderInvoice(invoice) };
      },
    },
    {
      method: 'GET',
      path: '/v1/invoices/:id/lines',
      params: INVOICE_LINES,
      handle(request) {
        const invoice = find(request.path.id!);
        const data = invoice.lines.data;
        const limit = Number(request.params.limit ?? 10);
        const after = request.params.starting_after ? data.findIndex((l) => l.id === request.params.starting_after) + 1 : 0;
        return { body: { object: 'list', data: structuredClone(data.slice(after, after + limit)), has_more: after + limit < data.length, url: `/v1/invoices/${invoice.id}/lines` } };
      },
    },
  ];
}
