import type Stripe from 'stripe';
import { API_KEY, type Harness } from '../support/harness.js';

export const SUCCESS_URL = 'https://shop.example.test/credits/done?session={CHECKOUT_SESSION_ID}';
export const CANCEL_URL = 'https://shop.example.test/credits';

/** POST /top-up/checkout as the server API key (or the given Authorization). */
export function postCheckout(h: Harness, body: Record<string, unknown>, options: { key?: string; authorization?: string } = {}) {
  const req = h.http.post('/top-up/checkout').set('Authorization', options.authorization ?? `Bearer ${API_KEY}`);
  if (options.key) req.set('Idempotency-Key', options.key);
  return req.send({ success_url: SUCCESS_URL, cancel_url: CANCEL_URL, ...body });
}

/** The events the fake Stripe recorded about one object (a session or a PaymentIntent), oldest first. */
export function eventsFor(h: Harness, objectId: string, type?: string): Stripe.Event[] {
  return h.stripe.events.filter((e) => (e.data.object as { id?: string }).id === objectId && (type === undefined || e.type === type));
}

/** The one event of this type about this object. */
export function eventFor(h: Harness, objectId: string, type: string): Stripe.Event {
  const found = eventsFor(h, objectId, type);
  if (found.length !== 1) throw new Error(`expected one ${type} for ${objectId}, found ${found.length}`);
  return found[0]!;
}

/** Every ordering of a list. */
export function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [items.slice()];
  return items.flatMap((item, i) => permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]));
}
