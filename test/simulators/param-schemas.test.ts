import type Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import {
  CHECKOUT_SESSION_CREATE,
  CHECKOUT_SESSION_EXPIRE,
  CHECKOUT_SESSION_LINE_ITEMS,
  CHECKOUT_SESSION_RETRIEVE,
} from '../../src/simulators/stripe/checkout-sessions.js';
import { CUSTOMER_CREATE, CUSTOMER_DELETE, CUSTOMER_LIST_PAYMENT_METHODS, CUSTOMER_RETRIEVE } from '../../src/simulators/stripe/customers.js';
import { EVENT_LIST, EVENT_RETRIEVE } from '../../src/simulators/stripe/events.js';
import { OPTIONAL, REQUIRED, type ExactSchema } from '../../src/simulators/stripe/param-schema.js';
import { PAYMENT_INTENT_CANCEL, PAYMENT_INTENT_CONFIRM, PAYMENT_INTENT_CREATE, PAYMENT_INTENT_RETRIEVE } from '../../src/simulators/stripe/payment-intents.js';
import { PAYMENT_METHOD_ATTACH, PAYMENT_METHOD_RETRIEVE } from '../../src/simulators/stripe/payment-methods.js';
import { CHECKOUT_SESSION_LIST, INVOICE_PAYMENT_LIST } from '../../src/simulators/stripe/payment-owners.js';
import { CREDIT_NOTE_CREATE, CREDIT_NOTE_RETRIEVE, CREDIT_NOTE_VOID } from '../../src/simulators/stripe/credit-notes.js';
import { INVOICE_ADD_LINES, INVOICE_CREATE, INVOICE_FINALIZE, INVOICE_LINES, INVOICE_PAY, INVOICE_RETRIEVE } from '../../src/simulators/stripe/invoices.js';
import { PRICE_CREATE, PRICE_LIST, PRICE_RETRIEVE, PRODUCT_CREATE } from '../../src/simulators/stripe/prices.js';
import { SUBSCRIPTION_LIST, SUBSCRIPTION_RETRIEVE } from '../../src/simulators/stripe/subscriptions.js';

/**
 * Compile-time proof (npm test runs tsc over test/) that each simulated endpoint accepts exactly
 * the parameters stripe-node declares for the pinned API version, and requires exactly the ones
 * it requires. Upgrading stripe-node fails this type check until the simulator is brought along.
 */

/** true only when A and B are the same type. */
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type RequiredKeys<T> = { [K in keyof T]-?: {} extends Pick<T, K> ? never : K }[keyof T];
type MarkedRequired<S> = { [K in keyof S]: S[K] extends { required: true } ? K : never }[keyof S];
/** The schema names every key of P and no other, and marks required exactly P's required keys. */
type Agrees<S, P> = Equal<keyof S, keyof P> extends true ? Equal<MarkedRequired<S>, RequiredKeys<P>> : false;

const agreement: Record<string, true> = {
  'POST /v1/payment_intents': true satisfies Agrees<typeof PAYMENT_INTENT_CREATE, Stripe.PaymentIntentCreateParams>,
  'GET /v1/payment_intents/:id': true satisfies Agrees<typeof PAYMENT_INTENT_RETRIEVE, Stripe.PaymentIntentRetrieveParams>,
  'POST /v1/payment_intents/:id/cancel': true satisfies Agrees<typeof PAYMENT_INTENT_CANCEL, Stripe.PaymentIntentCancelParams>,
  'POST /v1/payment_intents/:id/confirm': true satisfies Agrees<typeof PAYMENT_INTENT_CONFIRM, Stripe.PaymentIntentConfirmParams>,
  'POST /v1/customers': true satisfies Agrees<typeof CUSTOMER_CREATE, Stripe.CustomerCreateParams>,
  'GET /v1/customers/:id': true satisfies Agrees<typeof CUSTOMER_RETRIEVE, Stripe.CustomerRetrieveParams>,
  'DELETE /v1/customers/:id': true satisfies Agrees<typeof CUSTOMER_DELETE, Stripe.CustomerDeleteParams>,
  'GET /v1/customers/:id/payment_methods': true satisfies Agrees<typeof CUSTOMER_LIST_PAYMENT_METHODS, Stripe.CustomerListPaymentMethodsParams>,
  'POST /v1/payment_methods/:id/attach': true satisfies Agrees<typeof PAYMENT_METHOD_ATTACH, Stripe.PaymentMethodAttachParams>,
  'GET /v1/payment_methods/:id': true satisfies Agrees<typeof PAYMENT_METHOD_RETRIEVE, Stripe.PaymentMethodRetrieveParams>,
  'GET /v1/subscriptions': true satisfies Agrees<typeof SUBSCRIPTION_LIST, Stripe.SubscriptionListParams>,
  'GET /v1/subscriptions/:id': true satisfies Agrees<typeof SUBSCRIPTION_RETRIEVE, Stripe.SubscriptionRetrieveParams>,
  'GET /v1/events': true satisfies Agrees<typeof EVENT_LIST, Stripe.EventListParams>,
  'GET /v1/events/:id': true satisfies Agrees<typeof EVENT_RETRIEVE, Stripe.EventRetrieveParams>,
  'POST /v1/checkout/sessions': true satisfies Agrees<typeof CHECKOUT_SESSION_CREATE, Stripe.Checkout.SessionCreateParams>,
  'GET /v1/checkout/sessions/:id': true satisfies Agrees<typeof CHECKOUT_SESSION_RETRIEVE, Stripe.Checkout.SessionRetrieveParams>,
  'POST /v1/checkout/sessions/:id/expire': true satisfies Agrees<typeof CHECKOUT_SESSION_EXPIRE, Stripe.Checkout.SessionExpireParams>,
  'GET /v1/checkout/sessions/:id/line_items': true satisfies Agrees<typeof CHECKOUT_SESSION_LINE_ITEMS, Stripe.Checkout.SessionListLineItemsParams>,
  'POST /v1/products': true satisfies Agrees<typeof PRODUCT_CREATE, Stripe.ProductCreateParams>,
  'POST /v1/prices': true satisfies Agrees<typeof PRICE_CREATE, Stripe.PriceCreateParams>,
  'GET /v1/prices/:id': true satisfies Agrees<typeof PRICE_RETRIEVE, Stripe.PriceRetrieveParams>,
  'GET /v1/prices': true satisfies Agrees<typeof PRICE_LIST, Stripe.PriceListParams>,
  'GET /v1/checkout/sessions': true satisfies Agrees<typeof CHECKOUT_SESSION_LIST, Stripe.Checkout.SessionListParams>,
  'GET /v1/invoice_payments': true satisfies Agrees<typeof INVOICE_PAYMENT_LIST, Stripe.InvoicePaymentListParams>,
  'POST /v1/invoices': true satisfies Agrees<typeof INVOICE_CREATE, Stripe.InvoiceCreateParams>,
  'GET /v1/invoices/:id': true satisfies Agrees<typeof INVOICE_RETRIEVE, Stripe.InvoiceRetrieveParams>,
  'POST /v1/invoices/:id/add_lines': true satisfies Agrees<typeof INVOICE_ADD_LINES, Stripe.InvoiceAddLinesParams>,
  'POST /v1/invoices/:id/finalize': true satisfies Agrees<typeof INVOICE_FINALIZE, Stripe.InvoiceFinalizeInvoiceParams>,
  'POST /v1/invoices/:id/pay': true satisfies Agrees<typeof INVOICE_PAY, Stripe.InvoicePayParams>,
  'GET /v1/invoices/:id/lines': true satisfies Agrees<typeof INVOICE_LINES, Stripe.InvoiceListLineItemsParams>,
  'POST /v1/credit_notes': true satisfies Agrees<typeof CREDIT_NOTE_CREATE, Stripe.CreditNoteCreateParams>,
  'GET /v1/credit_notes/:id': true satisfies Agrees<typeof CREDIT_NOTE_RETRIEVE, Stripe.CreditNoteRetrieveParams>,
  'POST /v1/credit_notes/:id/void': true satisfies Agrees<typeof CREDIT_NOTE_VOID, Stripe.CreditNoteVoidCreditNoteParams>,
};

// The check itself fails where it must (each line below would compile without its directive otherwise):
type Params = { amount: number; currency: string; description?: string };
// @ts-expect-error a parameter stripe-node does not declare
export const extra = { amount: REQUIRED, currency: REQUIRED, description: OPTIONAL, bogus: OPTIONAL } as const satisfies ExactSchema<Params>;
// @ts-expect-error a declared parameter left out
export const missing = { amount: REQUIRED, currency: REQUIRED } as const satisfies ExactSchema<Params>;
// @ts-expect-error a required parameter marked optional
export const loose = { amount: OPTIONAL, currency: REQUIRED, description: OPTIONAL } as const satisfies ExactSchema<Params>;
// @ts-expect-error Agrees is false for a schema with a key too many
export const notAgreeing: true = true satisfies Agrees<{ amount: typeof REQUIRED; currency: typeof REQUIRED; description: typeof OPTIONAL; x: typeof OPTIONAL }, Params>;

describe('simulated endpoint parameter lists', () => {
  it('are proven equal to stripe-node’s parameter types by the type check (npm test runs tsc first)', () => {
    expect(Object.keys(agreement)).toHaveLength(33);
    expect(Object.keys(PAYMENT_INTENT_CREATE)).toContain('allowed_payment_method_types');
  });
});
