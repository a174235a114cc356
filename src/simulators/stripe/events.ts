import type Stripe from 'stripe';
import type { StripeEndpoint } from './endpoint.js';
import { OPTIONAL, optionalObject, type ExactSchema } from './param-schema.js';
import { resourceMissing } from './stripe-error.js';
import { isObject, type StripeWorld } from './world.js';

/** GET /v1/events (newest first, filtered by type and creation time, paginated) and GET /v1/events/:id. */

const RANGE = { gt: OPTIONAL, gte: OPTIONAL, lt: OPTIONAL, lte: OPTIONAL } as const satisfies ExactSchema<Stripe.RangeQueryParam>;

export const EVENT_LIST = {
  created: optionalObject(RANGE),
  delivery_success: OPTIONAL,
  ending_before: OPTIONAL,
  expand: OPTIONAL,
  limit: OPTIONAL,
  starting_after: OPTIONAL,
  type: OPTIONAL,
  types: OPTIONAL,
} as const satisfies ExactSchema<Stripe.EventListParams>;

export const EVENT_RETRIEVE = { expand: OPTIONAL } as const satisfies ExactSchema<Stripe.EventRetrieveParams>;

/** `created` as a number (exact) or a range; every bound given must hold. */
function createdFilter(created: unknown): (t: number) => boolean {
  if (created === undefined) return () => true;
  if (!isObject(created)) return (t) => t === Number(created);
  const bound = (k: string): number | null => (created[k] === undefined ? null : Number(created[k]));
  const gt = bound('gt');
  const gte = bound('gte');
  const lt = bound('lt');
  const lte = bound('lte');
  return (t) => (gt === null || t > gt) && (gte === null || t >= gte) && (lt === null || t < lt) && (lte === null || t <= lte);
}

/** `type` may end in `.*` ("payment_intent.*"); `types` is a list of exact types. */
function typeFilter(type: unknown, types: unknown): (t: string) => boolean {
  const list = types === undefined ? null : ([] as unknown[]).concat(types).map(String);
  const single = type === undefined ? null : String(type);
  return (t) =>
    (list === null || list.includes(t)) &&
    (single === null || (single.endsWith('.*') ? t.startsWith(single.slice(0, -1)) : t === single));
}

export function eventEndpoints(world: StripeWorld): StripeEndpoint[] {
  return [
    {
      method: 'GET',
      path: '/v1/events',
      params: EVENT_LIST,
      handle({ params }) {
        const inRange = createdFilter(params.created);
        const ofType = typeFilter(params.type, params.types);
        // Newest first; within one second, the later event first (Stripe orders by exact creation time).
        const all = [...world.events].reverse().filter((e) => ofType(e.type) && inRange(e.created)).sort((a, b) => b.created - a.created);
        const after = params.starting_after ? all.findIndex((e) => e.id === params.starting_after) + 1 : 0;
        const limit = Number(params.limit ?? 10);
        const data = all.slice(after, after + limit);
        return { body: { object: 'list', data, has_more: after + limit < all.length, url: '/v1/events' } };
      },
    },
    {
      method: 'GET',
      path: '/v1/events/:id',
      params: EVENT_RETRIEVE,
      handle(request) {
        const event = world.events.find((e) => e.id === request.path.id);
        if (!event) throw resourceMissing('event', request.path.id!);
        return { body: event };
      },
    },
  ];
}
