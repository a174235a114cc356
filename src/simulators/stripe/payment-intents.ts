import { randomBytes } from 'node:crypto';
import type Stripe from 'stripe';
import type { EndpointRequest, Params, StripeEndpoint } from './endpoint.js';
import { OPTIONAL, optionalObject, REQUIRED, type ExactSchema } from './param-schema.js';
import { PAYMENT_INTENT_CREATE_RULES } from './payment-intent-rules.js';
import { invalidRequest, resourceMissing, StripeApiError } from './stripe-error.js';
import { finder, isObject, isTrue, newId, nowSeconds, outcomeOf, type StripeWorld } from './world.js';

/** POST /v1/payment_intents and what it does with the test cards; GET …/:id; POST …/:id/cancel. */

const AUTOMATIC_PAYMENT_METHODS = {
  allow_redirects: OPTIONAL,
  enabled: REQUIRED,
} as const satisfies ExactSchema<Stripe.PaymentIntentCreateParams.AutomaticPaymentMethods>;

export const PAYMENT_INTENT_CREATE = {
  amount: REQUIRED,
  currency: REQUIRED,
  allowed_payment_method_types: OPTIONAL,
  amount_details: OPTIONAL,
  application_fee_amount: OPTIONAL,
  automatic_payment_methods: optionalObject(AUTOMATIC_PAYMENT_METHODS),
  capture_method: OPTIONAL,
  confirm: OPTIONAL,
  confirmation_method: OPTIONAL,
  confirmation_token: OPTIONAL,
  customer: OPTIONAL,
  customer_account: OPTIONAL,
  description: OPTIONAL,
  error_on_requires_action: OPTIONAL,
  excluded_payment_method_types: OPTIONAL,
  expand: OPTIONAL,
  hooks: OPTIONAL,
  mandate: OPTIONAL,
  mandate_data: OPTIONAL,
  metadata: OPTIONAL,
  off_session: OPTIONAL,
  on_behalf_of: OPTIONAL,
  payment_details: OPTIONAL,
  payment_method: OPTIONAL,
  payment_method_configuration: OPTIONAL,
  payment_method_data: OPTIONAL,
  payment_method_options: OPTIONAL,
  radar_options: OPTIONAL,
  receipt_email: OPTIONAL,
  return_url: OPTIONAL,
  setup_future_usage: OPTIONAL,
  shipping: OPTIONAL,
  statement_descriptor: OPTIONAL,
  statement_descriptor_suffix: OPTIONAL,
  transfer_data: OPTIONAL,
  transfer_group: OPTIONAL,
  use_stripe_sdk: OPTIONAL,
} as const satisfies ExactSchema<Stripe.PaymentIntentCreateParams>;

export const PAYMENT_INTENT_RETRIEVE = {
  client_secret: OPTIONAL,
  expand: OPTIONAL,
} as const satisfies ExactSchema<Stripe.PaymentIntentRetrieveParams>;

export const PAYMENT_INTENT_CANCEL = {
  cancellation_reason: OPTIONAL,
  expand: OPTIONAL,
} as const satisfies ExactSchema<Stripe.PaymentIntentCancelParams>;

export const PAYMENT_INTENT_CONFIRM = {
  allowed_payment_method_types: OPTIONAL,
  amount_details: OPTIONAL,
  amount_to_confirm: OPTIONAL,
  capture_method: OPTIONAL,
  confirmation_token: OPTIONAL,
  error_on_requires_action: OPTIONAL,
  excluded_payment_method_types: OPTIONAL,
  expand: OPTIONAL,
  hooks: OPTIONAL,
  mandate: OPTIONAL,
  mandate_data: OPTIONAL,
  off_session: OPTIONAL,
  payment_details: OPTIONAL,
  payment_method: OPTIONAL,
  payment_method_data: OPTIONAL,
  payment_method_options: OPTIONAL,
  radar_options: OPTIONAL,
  receipt_email: OPTIONAL,
  return_url: OPTIONAL,
  setup_future_usage: OPTIONAL,
  shipping: OPTIONAL,
  use_stripe_sdk: OPTIONAL,
} as const satisfies ExactSchema<Stripe.PaymentIntentConfirmParams>;

/** "Only a PaymentIntent with one of the following statuses may be confirmed: …" */
const CONFIRMABLE = ['requires_confirmation', 'requires_payment_method', 'requires_action'];

/** "Only a PaymentIntent with one of the following statuses may be canceled: …" */
const CANCELABLE = ['requires_payment_method', 'requires_capture', 'requires_confirmation', 'requires_action', 'processing'];

function customerFor(world: StripeWorld, params: Params) {
  if (!params.customer) return null;
  const id = String(params.customer);
  const customer = world.customers.get(id);
  if (!customer || customer.deleted) throw resourceMissing('customer', id, 'customer');
  return customer;
}

/** A payment_method parameter must exist and, on a PaymentIntent with a customer, be one of theirs ("No such PaymentMethod"). */
function assertUsable(world: StripeWorld, paymentMethod: string, customerId: string | null): void {
  const customer = customerId ? world.customers.get(customerId) : undefined;
  if (!outcomeOf(world, paymentMethod) || (customer && !(customer.paymentMethods ?? []).includes(paymentMethod))) {
    throw resourceMissing('PaymentMethod', paymentMethod, 'payment_method');
  }
}

function newPaymentIntent(world: StripeWorld, params: Params): Stripe.PaymentIntent {
  const customer = customerFor(world, params);
  const paymentMethod = params.payment_method ? String(params.payment_method) : null;
  if (paymentMethod) assertUsable(world, paymentMethod, customer?.id ?? null);
  const id = newId('pi');
  const explicitTypes = Array.isArray(params.allowed_payment_method_types) ? params.allowed_payment_method_types.map(String) : null;
  const automatic = isObject(params.automatic_payment_methods) ? params.automatic_payment_methods : null;
  return {
    id,
    object: 'payment_intent',
    amount: Number(params.amount),
    amount_capturable: 0,
    amount_received: 0,
    // The 2023-08-16 default: without a list of types, the Dashboard's methods, redirects allowed.
    automatic_payment_methods: explicitTypes
      ? null
      : { enabled: automatic?.enabled !== 'false', allow_redirects: automatic?.allow_redirects === 'never' ? 'never' : 'always' },
    canceled_at: null,
    cancellation_reason: null,
    capture_method: (params.capture_method as string) ?? 'automatic_async',
    client_secret: `${id}_secret_${randomBytes(8).toString('hex')}`,
    confirmation_method: 'automatic',
    created: nowSeconds(),
    currency: String(params.currency).toLowerCase(),
    customer: customer?.id ?? null,
    description: (params.description as string) ?? null,
    last_payment_error: null,
    latest_charge: null,
    livemode: false,
    metadata: isObject(params.metadata) ? (params.metadata as Record<string, string>) : {},
    next_action: null,
    payment_method: paymentMethod,
    payment_method_types: explicitTypes ?? ['card'],
    setup_future_usage: (params.setup_future_usage as Stripe.PaymentIntent.SetupFutureUsage) ?? null,
    status: paymentMethod ? 'requires_confirmation' : 'requires_payment_method',
  } as unknown as Stripe.PaymentIntent;
}

/**
 * Confirms with the test card's outcome; a failed off-session attempt is a 402 carrying the PaymentIntent.
 * On-session, a card that needs 3-D Secure asks for it: with a `return_url`, Stripe answers
 * `next_action.redirect_to_url` (its hosted authentication page, here /3ds/authenticate/:id, which
 * sends the browser back to return_url); without one, `use_stripe_sdk` (Stripe.js handles it).
 */
function confirm(world: StripeWorld, pi: Stripe.PaymentIntent, offSession: boolean, request: EndpointRequest): void {
  const outcome = pi.payment_method ? outcomeOf(world, String(pi.payment_method)) : null;
  if (!outcome) {
    // Stripe would confirm with payment_method_data or a confirmation_token too; this simulator does not model them.
    throw invalidRequest(undefined, 'payment_method', 'This simulator confirms PaymentIntents with a payment_method only.');
  }
  const fail = (code: string, declineCode: string | undefined, message: string, adviceCode?: string) => {
    // Stripe's card errors carry the issuer's decline_code and, when it gave one, an advice_code
    // (e.g. do_not_try_again), both on the error and on the PaymentIntent's last_payment_error.
    const codes = { ...(declineCode ? { decline_code: declineCode } : {}), ...(adviceCode ? { advice_code: adviceCode } : {}) };
    // Stripe keeps the card that failed on last_payment_error.payment_method (the PaymentMethod object).
    const failedCard = { id: String(pi.payment_method), object: 'payment_method', type: 'card', customer: pi.customer };
    const error = { code, ...codes, type: 'card_error', message, payment_method: failedCard };
    Object.assign(pi, { status: 'requires_payment_method', last_payment_error: error });
    world.emit('payment_intent.payment_failed', structuredClone(pi), request);
    throw new StripeApiError(402, { type: 'card_error', code, ...codes, message, payment_intent: structuredClone(pi) });
  };
  switch (outcome.kind) {
    case 'succeeds':
      Object.assign(pi, { status: 'succeeded', amount_received: pi.amount, latest_charge: newId('ch') });
      world.emit('payment_intent.succeeded', structuredClone(pi), request);
      return;
    case 'processing':
      Object.assign(pi, { status: 'processing' });
      world.emit('payment_intent.processing', structuredClone(pi), request);
      return;
    case 'declined':
      return fail('card_declined', outcome.declineCode, outcome.message, outcome.adviceCode);
    case 'authentication_required':
      // Off-session nobody can authenticate: the attempt fails. On-session the browser is asked to.
      if (offSession) return fail('authentication_required', undefined, 'Your card was declined. This transaction requires authentication.');
      if (request.params.return_url) {
        const returnUrl = String(request.params.return_url);
        Object.assign(pi, {
          status: 'requires_action',
          last_payment_error: null,
          next_action: { type: 'redirect_to_url', redirect_to_url: { url: `${world.url}/3ds/authenticate/${pi.id}`, return_url: returnUrl } },
        });
      } else {
        Object.assign(pi, { status: 'requires_action', last_payment_error: null, next_action: { type: 'use_stripe_sdk', use_stripe_sdk: {} } });
      }
      world.emit('payment_intent.requires_action', structuredClone(pi), request);
  }
}

export function paymentIntentEndpoints(world: StripeWorld): StripeEndpoint[] {
  const find = finder(world.paymentIntents, 'payment_intent');
  return [
    {
      method: 'POST',
      path: '/v1/payment_intents',
      params: PAYMENT_INTENT_CREATE,
      rules: PAYMENT_INTENT_CREATE_RULES,
      handle(request) {
        const pi = newPaymentIntent(world, request.params);
        world.paymentIntents.set(pi.id, pi);
        world.emit('payment_intent.created', structuredClone(pi), request);
        const offSession = request.params.off_session !== undefined && request.params.off_session !== 'false';
        if (isTrue(request.params.confirm)) confirm(world, pi, offSession, request);
        return { body: pi };
      },
    },
    {
      method: 'GET',
      path: '/v1/payment_intents/:id',
      params: PAYMENT_INTENT_RETRIEVE,
      handle: (request) => ({ body: find(request.path.id!) }),
    },
    {
      method: 'POST',
      path: '/v1/payment_intents/:id/confirm',
      params: PAYMENT_INTENT_CONFIRM,
      handle(request) {
        const pi = find(request.path.id!);
        if (!CONFIRMABLE.includes(pi.status)) {
          throw invalidRequest(
            'payment_intent_unexpected_state',
            undefined,
            `You cannot confirm this PaymentIntent because it has a status of ${pi.status}. Only a PaymentIntent with one of the following statuses may be confirmed: ${CONFIRMABLE.join(', ')}.`,
          );
        }
        if (request.params.payment_method) {
          const paymentMethod = String(request.params.payment_method);
          assertUsable(world, paymentMethod, typeof pi.customer === 'string' ? pi.customer : null);
          Object.assign(pi, { payment_method: paymentMethod });
        }
        // Since 2023-08-16, a PaymentIntent that allows redirects needs a return_url to be confirmed (Stripe's error, verbatim).
        const redirects = pi.automatic_payment_methods?.enabled && pi.automatic_payment_methods.allow_redirects !== 'never';
        if (redirects && !request.params.return_url && !isTrue(request.params.use_stripe_sdk)) {
          throw invalidRequest(
            undefined,
            'return_url',
            'A return_url must be specified because this Payment Intent is configured to automatically accept the payment methods enabled in the Dashboard, some of which may require a full page redirect to succeed. If you do not want to accept redirect-based payment methods, set automatic_payment_methods[enabled] to true and automatic_payment_methods[allow_redirects] to never when creating Setup Intents and Payment Intents.',
          );
        }
        const offSession = request.params.off_session !== undefined && request.params.off_session !== 'false';
        confirm(world, pi, offSession, request);
        return { body: pi };
      },
    },
    {
      method: 'POST',
      path: '/v1/payment_intents/:id/cancel',
      params: PAYMENT_INTENT_CANCEL,
      handle(request) {
        const pi = find(request.path.id!);
        if (!CANCELABLE.includes(pi.status)) {
          throw invalidRequest(
            'payment_intent_unexpected_state',
            undefined,
            `You cannot cancel this PaymentIntent because it has a status of ${pi.status}. Only a PaymentIntent with one of the following statuses may be canceled: ${CANCELABLE.join(', ')}.`,
          );
        }
        Object.assign(pi, {
          status: 'canceled',
          canceled_at: nowSeconds(),
          cancellation_reason: (request.params.cancellation_reason as string) ?? null,
        });
        world.emit('payment_intent.canceled', structuredClone(pi), request);
        return { body: pi };
      },
    },
  ];
}
