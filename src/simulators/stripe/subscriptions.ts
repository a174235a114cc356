import type Stripe from 'stripe';
import type { StripeEndpoint } from './endpoint.js';
import { OPTIONAL, type ExactSchema } from './param-schema.js';
import { resourceMissing } from './stripe-error.js';
import type { StripeWorld } from './world.js';

/**
 * GET /v1/subscriptions (the customer's subscriptions, optionally of one status) and
 * GET /v1/subscriptions/:id (whose subscription it is: the ownership check of named subscriptions).
 */

export const SUBSCRIPTION_LIST = {
  automatic_tax: OPTIONAL,
  collection_method: OPTIONAL,
  created: OPTIONAL,
  current_period_end: OPTIONAL,
  current_period_start: OPTIONAL,
  customer: OPTIONAL,
  customer_account: OPTIONAL,
  ending_before: OPTIONAL,
  expand: OPTIONAL,
  limit: OPTIONAL,
  plan: OPTIONAL,
  price: OPTIONAL,
  starting_after: OPTIONAL,
  status: OPTIONAL,
  test_clock: OPTIONAL,
} as const satisfies ExactSchema<Stripe.SubscriptionListParams>;

export const SUBSCRIPTION_RETRIEVE = { expand: OPTIONAL } as const satisfies ExactSchema<Stripe.SubscriptionRetrieveParams>;

export function subscriptionEndpoints(world: StripeWorld): StripeEndpoint[] {
  return [
    {
      method: 'GET',
      path: '/v1/subscriptions',
      params: SUBSCRIPTION_LIST,
      handle(request) {
        const customer = world.customers.get(String(request.params.customer ?? ''));
        const status = request.params.status === undefined ? null : String(request.params.status);
        const limit = Number(request.params.limit ?? 10);
        // Without `status`, Stripe lists the subscriptions that are not canceled; `all` lists every one.
        const matches = (s: string) => (status === null ? s !== 'canceled' : status === 'all' || s === status);
        const all = (customer?.subscriptions ?? [])
          .filter((s) => matches(s.status))
          .map((s) => ({ id: s.id, object: 'subscription', status: s.status, customer: customer!.id, livemode: false }));
        return { body: { object: 'list', data: all.slice(0, limit), has_more: all.length > limit, url: '/v1/subscriptions' } };
      },
    },
    {
      method: 'GET',
      path: '/v1/subscriptions/:id',
      params: SUBSCRIPTION_RETRIEVE,
      handle(request) {
        const id = request.path.id!;
        for (const customer of world.customers.values()) {
          const s = (customer.subscriptions ?? []).find((sub) => sub.id === id);
          if (s) return { body: { id: s.id, object: 'subscription', status: s.status, customer: customer.id, livemode: false } };
        }
        // Stripe answers 404 resource_missing for a subscription id it does not know.
        throw resourceMissing('subscription', id);
      },
    },
  ];
}
