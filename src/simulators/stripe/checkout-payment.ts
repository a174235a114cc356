import { randomBytes } from 'node:crypto';
import type Stripe from 'stripe';
import { testCardFingerprint } from './test-cards.js';
import { isObject, newId, nowSeconds, type StripeWorld } from './world.js';

/**
 * What happens when a customer pays on Stripe's hosted Checkout page: Stripe makes the
 * PaymentIntent (with the session's payment_intent_data: metadata, setup_future_usage), completes
 * the session and sends its events. A card is paid at once (payment_intent.succeeded,
 * checkout.session.completed with payment_status=paid); a delayed method such as SEPA debit or
 * ACH completes the session unpaid and settles later (async_payment_succeeded / _failed).
 */

export type CheckoutPaymentMethod = 'card' | 'delayed';

function openSession(world: StripeWorld, id: string): Stripe.Checkout.Session {
  const session = world.checkoutSessions.get(id);
  if (!session) throw new Error(`no checkout session ${id}`);
  // A session is paid once: Stripe's page no longer accepts a payment after it completed or expired.
  if (session.status !== 'open') throw new Error(`checkout session ${id} is ${session.status}, not open`);
  return session;
}

export function payCheckoutSession(world: StripeWorld, id: string, method: CheckoutPaymentMethod = 'card'): Stripe.Checkout.Session {
  const session = openSession(world, id);
  const data = world.checkoutPaymentIntentData.get(id) ?? {};
  const paid = method === 'card';
  const amount = session.amount_total ?? 0;
  const piId = newId('pi');
  const pi = {
    id: piId,
    object: 'payment_intent',
    amount,
    amount_received: paid ? amount : 0,
    currency: session.currency,
    customer: session.customer,
    status: paid ? 'succeeded' : 'processing',
    description: data.description ?? null,
    metadata: isObject(data.metadata) ? data.metadata : {},
    setup_future_usage: data.setup_future_usage ?? null,
    payment_method: null as string | null,
    client_secret: `${piId}_secret_${randomBytes(8).toString('hex')}`,
    created: nowSeconds(),
    livemode: false,
  };
  const customer = session.customer ? world.customers.get(String(session.customer)) : undefined;
  if (customer) {
    // The card (or mandate) used is a new PaymentMethod; setup_future_usage attaches it to the customer.
    const pm = newId('pm');
    pi.payment_method = pm;
    if (data.setup_future_usage) {
      world.paymentMethods.set(pm, { id: pm, customer: customer.id, outcome: { kind: 'succeeds' }, created: nowSeconds(), fingerprint: testCardFingerprint(pm) });
      customer.paymentMethods = [...(customer.paymentMethods ?? []), pm];
    }
  }
  world.paymentIntents.set(piId, pi as unknown as Stripe.PaymentIntent);
  Object.assign(session, { status: 'complete', payment_status: paid ? 'paid' : 'unpaid', payment_intent: piId, url: null });
  world.emit(paid ? 'payment_intent.succeeded' : 'payment_intent.processing', structuredClone(pi));
  world.emit('checkout.session.completed', structuredClone(session));
  return session;
}

/** A delayed payment settles: the money arrives, or the debit fails. */
export function settleCheckoutSession(world: StripeWorld, id: string, outcome: 'succeeded' | 'failed'): Stripe.Checkout.Session {
  const session = world.checkoutSessions.get(id);
  if (!session || session.status !== 'complete' || session.payment_status !== 'unpaid') {
    throw new Error(`checkout session ${id} has no payment waiting to settle`);
  }
  const pi = world.paymentIntents.get(String(session.payment_intent))!;
  if (outcome === 'succeeded') {
    Object.assign(pi, { status: 'succeeded', amount_received: pi.amount });
    Object.assign(session, { payment_status: 'paid' });
    world.emit('payment_intent.succeeded', structuredClone(pi));
    world.emit('checkout.session.async_payment_succeeded', structuredClone(session));
  } else {
    Object.assign(pi, { status: 'requires_payment_method' });
    world.emit('payment_intent.payment_failed', structuredClone(pi));
    world.emit('checkout.session.async_payment_failed', structuredClone(session));
  }
  return session;
}
