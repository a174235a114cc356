import type Stripe from 'stripe';
import type { StripeEndpoint } from './endpoint.js';
import { OPTIONAL, optionalObject, REQUIRED, type ExactSchema } from './param-schema.js';
import { isObject, type StripeWorld } from './world.js';

/**
 * The two lists that say what a PaymentIntent paid for: GET /v1/checkout/sessions?payment_intent=
 * (the session it completed) and GET /v1/invoice_payments?payment[type]=payment_intent (the
 * invoice it paid; since API 2025-03-31 a PaymentIntent no longer names its invoice).
 */

export const CHECKOUT_SESSION_LIST = {
  created: OPTIONAL,
  customer: OPTIONAL,
  customer_account: OPTIONAL,
  customer_details: OPTIONAL,
  ending_before: OPTIONAL,
  expand: OPTIONAL,
  limit: OPTIONAL,
  payment_intent: OPTIONAL,
  payment_link: OPTIONAL,
  starting_after: OPTIONAL,
  status: OPTIONAL,
  subscription: OPTIONAL,
} as const satisfies ExactSchema<Stripe.Checkout.SessionListParams>;

const INVOICE_PAYMENT = {
  payment_intent: OPTIONAL,
  payment_record: OPTIONAL,
  type: REQUIRED,
} as const satisfies ExactSchema<Stripe.InvoicePaymentListParams.Payment>;

export const INVOICE_PAYMENT_LIST = {
  created: OPTIONAL,
  ending_before: OPTIONAL,
  expand: OPTIONAL,
  invoice: OPTIONAL,
  limit: OPTIONAL,
  payment: optionalObject(INVOICE_PAYMENT),
  starting_after: OPTIONAL,
  status: OPTIONAL,
} as const satisfies ExactSchema<Stripe.InvoicePaymentListParams>;

const list = (url: string, all: unknown[], limit: unknown) => {
  const n = Number(limit ?? 10);
  return { body: { object: 'list', data: all.slice(0, n), has_more: all.length > n, url } };
};

export function paymentOwnerEndpoints(world: StripeWorld): StripeEndpoint[] {
  return [
    {
      method: 'GET',
      path: '/v1/checkout/sessions',
      params: CHECKOUT_SESSION_LIST,
      handle({ params }) {
        const all = [...world.checkoutSessions.values()]
          .reverse()
          .filter((s) => params.payment_intent === undefined || s.payment_intent === params.payment_intent)
          .filter((s) => params.customer === undefined || s.customer === params.customer)
          .filter((s) => params.payment_link === undefined || s.payment_link === params.payment_link);
        return list('/v1/checkout/sessions', all, params.limit);
      },
    },
    {
      method: 'GET',
      path: '/v1/invoice_payments',
      params: INVOICE_PAYMENT_LIST,
      handle({ params }) {
        const payment = isObject(params.payment) ? params.payment : null;
        const all = [...world.invoicePayments.values()]
          .reverse()
          .filter((p) => params.invoice === undefined || p.invoice === params.invoice)
          .filter((p) => payment?.payment_intent === undefined || p.payment.payment_intent === payment.payment_intent);
        return list('/v1/invoice_payments', all, params.limit);
      },
    },
  ];
}
