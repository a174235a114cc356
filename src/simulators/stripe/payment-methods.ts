import type Stripe from 'stripe';
import type { StripeEndpoint } from './endpoint.js';
import { OPTIONAL, type ExactSchema } from './param-schema.js';
import { invalidRequest, resourceMissing, StripeApiError } from './stripe-error.js';
import { TEST_PAYMENT_METHODS, testCardFingerprint } from './test-cards.js';
import { newId, nowSeconds, type StripeWorld } from './world.js';

/** POST /v1/payment_methods/:id/attach, for Stripe's test PaymentMethods (pm_card_visa, …); GET /v1/payment_methods/:id. */

export const PAYMENT_METHOD_ATTACH = {
  customer: OPTIONAL,
  customer_account: OPTIONAL,
  expand: OPTIONAL,
} as const satisfies ExactSchema<Stripe.PaymentMethodAttachParams>;

export const PAYMENT_METHOD_RETRIEVE = { expand: OPTIONAL } as const satisfies ExactSchema<Stripe.PaymentMethodRetrieveParams>;

/** A card PaymentMethod object: attached ones, and test names used directly (as Stripe lets test mode do). */
function paymentMethodObject(world: StripeWorld, id: string): Record<string, unknown> | null {
  const attached = world.paymentMethods.get(id);
  if (!attached && !TEST_PAYMENT_METHODS[id]) return null;
  const owner = attached?.customer ?? [...world.customers.values()].find((c) => (c.paymentMethods ?? []).includes(id))?.id ?? null;
  return {
    id,
    object: 'payment_method',
    type: 'card',
    customer: owner,
    card: { brand: 'visa', last4: '4242', exp_month: 12, exp_year: 2034, fingerprint: attached?.fingerprint ?? testCardFingerprint(id) },
    created: attached?.created ?? nowSeconds(),
    livemode: false,
    metadata: {},
  };
}

export function paymentMethodEndpoints(world: StripeWorld): StripeEndpoint[] {
  return [
    {
      method: 'GET',
      path: '/v1/payment_methods/:id',
      params: PAYMENT_METHOD_RETRIEVE,
      handle(request) {
        const body = paymentMethodObject(world, request.path.id!);
        if (!body) throw resourceMissing('payment_method', request.path.id!);
        return { body };
      },
    },
    {
      method: 'POST',
      path: '/v1/payment_methods/:id/attach',
      params: PAYMENT_METHOD_ATTACH,
      // The simulator has no Accounts v2: a customer is how it attaches (Stripe needs one of the two).
      rules: [(p) => (p.customer ? null : invalidRequest('parameter_missing', 'customer', 'Missing required param: customer.'))],
      handle(request) {
        const source = request.path.id!;
        const customerId = String(request.params.customer);
        const customer = world.customers.get(customerId);
        if (!customer || customer.deleted) throw resourceMissing('customer', customerId, 'customer');
        const attached = world.paymentMethods.get(source);
        if (attached) {
          throw invalidRequest(undefined, undefined, 'The payment method you provided has already been attached to a customer.');
        }
        const outcome = TEST_PAYMENT_METHODS[source];
        if (!outcome) throw resourceMissing('PaymentMethod', source);
        // Attaching validates the card with the issuer: cards that decline every charge are
        // refused here already (Stripe's "Decline after attaching" card is the one that is not).
        if (outcome.kind === 'declined' && outcome.declinedOnAttach) {
          throw new StripeApiError(402, { type: 'card_error', code: 'card_declined', decline_code: outcome.declineCode, message: outcome.message });
        }
        // A test PaymentMethod name makes a new PaymentMethod each time it is used.
        const id = newId('pm');
        world.paymentMethods.set(id, { id, customer: customer.id, outcome, created: nowSeconds(), fingerprint: testCardFingerprint(source) });
        customer.paymentMethods = [...(customer.paymentMethods ?? []), id];
        const body = { id, object: 'payment_method', type: 'card', customer: customer.id, created: nowSeconds(), livemode: false, metadata: {} };
        world.emit('payment_method.attached', structuredClone(body), request);
        return { body };
      },
    },
  ];
}
