import { randomBytes } from 'node:crypto';
import type Stripe from 'stripe';
import type { EndpointRequest } from './endpoint.js';
import { resourceMissing } from './stripe-error.js';
import { TEST_PAYMENT_METHODS, type CardOutcome } from './test-cards.js';

/** A customer as tests and the demo describe it (and as POST /v1/customers creates it). */
export interface FakeCustomer {
  id: string;
  email?: string | null;
  name?: string | null;
  metadata?: Record<string, string>;
  defaultPaymentMethod?: string | null;
  /** Attached PaymentMethods: ids made by POST /v1/payment_methods/:id/attach, or test names such as pm_card_visa. */
  paymentMethods?: string[];
  subscriptions?: { id: string; status: 'active' | 'trialing' | 'canceled' }[];
  deleted?: boolean;
}

/** A PaymentMethod made by attaching one of Stripe's test PaymentMethods to a customer. */
export interface AttachedPaymentMethod {
  id: string;
  customer: string;
  outcome: CardOutcome;
  created: number;
  /** Stripe's card.fingerprint: that of the test card it was made from. */
  fingerprint: string;
}

/** Everything the simulated Stripe account holds; each resource's endpoints read and change it. */
export interface StripeWorld {
  readonly customers: Map<string, FakeCustomer>;
  readonly paymentIntents: Map<string, Stripe.PaymentIntent>;
  readonly paymentMethods: Map<string, AttachedPaymentMethod>;
  readonly checkoutSessions: Map<string, Stripe.Checkout.Session>;
  /** Each Checkout Session's line items (GET /v1/checkout/sessions/:id/line_items). */
  readonly checkoutLineItems: Map<string, Stripe.LineItem[]>;
  /** What a session's payment_intent_data asked of the PaymentIntent made when it is paid. */
  readonly checkoutPaymentIntentData: Map<string, Record<string, unknown>>;
  readonly products: Map<string, Stripe.Product>;
  readonly prices: Map<string, Stripe.Price>;
  readonly invoices: Map<string, Stripe.Invoice>;
  /** How each invoice was paid (GET /v1/invoice_payments). */
  readonly invoicePayments: Map<string, Stripe.InvoicePayment>;
  readonly creditNotes: Map<string, Stripe.CreditNote>;
  readonly events: Stripe.Event[];
  /** What charging a PaymentMethod does from now on, when changed by the simulator's user (the issuer's mind changed). */
  readonly outcomeOverrides: Map<string, CardOutcome>;
  /** The base URL the simulator listens on (for the URLs in objects, e.g. a Checkout Session's). */
  readonly url: string;
  /** Records the event a change causes (and delivers it to the webhook endpoint), as Stripe does. */
  emit(type: Stripe.Event['type'], object: unknown, request?: EndpointRequest): Stripe.Event;
}

export const newId = (prefix: string): string => `${prefix}_${randomBytes(12).toString('hex')}`;
export const nowSeconds = (): number => Math.floor(Date.now() / 1000);

/** Looks an object up by the id in the URL: 404 resource_missing ("No such <what>: 'id'") when absent. */
export function finder<T>(objects: Map<string, T>, what: string): (id: string) => T {
  return (id) => {
    const found = objects.get(id);
    if (found === undefined) throw resourceMissing(what, id);
    return found;
  };
}

/** What charging this PaymentMethod does, or null when Stripe would not know it. */
export function outcomeOf(world: StripeWorld, paymentMethodId: string): CardOutcome | null {
  return (
    world.outcomeOverrides.get(paymentMethodId) ??
    world.paymentMethods.get(paymentMethodId)?.outcome ??
    TEST_PAYMENT_METHODS[paymentMethodId] ??
    null
  );
}

/** Form-encoded booleans arrive as 'true' / 'false'. */
export const isTrue = (value: unknown): boolean => value === true || value === 'true';

export const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
