import { Router } from 'express';
import type Stripe from 'stripe';
import { newId, type StripeWorld } from './world.js';

const escape = (s: unknown): string =>
  String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** The redirect this page serves: a PaymentIntent waiting in requires_action with next_action.redirect_to_url. */
function waiting(world: StripeWorld, id: string): (Stripe.PaymentIntent & { next_action: { redirect_to_url: { return_url: string } } }) | null {
  const pi = world.paymentIntents.get(id);
  if (!pi || pi.status !== 'requires_action' || pi.next_action?.type !== 'redirect_to_url' || !pi.next_action.redirect_to_url?.return_url) return null;
  return pi as Stripe.PaymentIntent & { next_action: { redirect_to_url: { return_url: string } } };
}

/**
 * Stripe sends the customer back to return_url with `payment_intent`, `payment_intent_client_secret`
 * and `redirect_status` (succeeded or failed) added to its query.
 */
function backTo(pi: Stripe.PaymentIntent, returnUrl: string, status: 'succeeded' | 'failed'): string {
  const url = new URL(returnUrl);
  url.searchParams.set('payment_intent', pi.id);
  url.searchParams.set('payment_intent_client_secret', pi.client_secret ?? '');
  url.searchParams.set('redirect_status', status);
  return url.toString();
}

const gone = '<!doctype html><html><head><meta charset="utf-8"><title>3D Secure (simulated Stripe)</title></head><body><p>This authentication is no longer needed.</p></body></html>';

/**
 * The issuer's 3-D Secure page Stripe redirects to (next_action.redirect_to_url.url), like
 * Stripe's test-mode page with its "Complete" and "Fail" buttons. Complete: the payment succeeds
 * (payment_intent.succeeded, signed, to the webhook endpoint). Fail: the PaymentIntent goes back
 * to requires_payment_method with last_payment_error.code payment_intent_authentication_failure
 * (payment_intent.payment_failed). Either way the browser returns to return_url.
 */
export function threeDSecurePage(world: StripeWorld): Router {
  const router = Router();
  router.get('/3ds/authenticate/:id', (req, res) => {
    const pi = waiting(world, req.params.id);
    if (!pi) return void res.status(404).type('html').send(gone);
    const id = escape(pi.id);
    res.type('html').send(`<!doctype html><html><head><meta charset="utf-8"><title>3D Secure (simulated Stripe)</title></head><body>
<h1>Authenticate a payment of ${escape(pi.amount)} ${escape(pi.currency)} (minor units)</h1>
<p>This is a test 3D Secure authentication page.</p>
<form method="post" action="/3ds/authenticate/${id}/complete"><button>Complete authentication</button></form>
<form method="post" action="/3ds/authenticate/${id}/fail"><button>Fail authentication</button></form>
</body></html>`);
  });
  router.post('/3ds/authenticate/:id/complete', (req, res) => {
    const pi = waiting(world, req.params.id);
    if (!pi) return void res.status(404).type('html').send(gone);
    const returnUrl = pi.next_action.redirect_to_url.return_url;
    Object.assign(pi, { status: 'succeeded', amount_received: pi.amount, latest_charge: newId('ch'), next_action: null, last_payment_error: null });
    world.emit('payment_intent.succeeded', structuredClone(pi));
    res.redirect(303, backTo(pi, returnUrl, 'succeeded'));
  });
  router.post('/3ds/authenticate/:id/fail', (req, res) => {
    const pi = waiting(world, req.params.id);
    if (!pi) return void res.status(404).type('html').send(gone);
    const returnUrl = pi.next_action.redirect_to_url.return_url;
    const failedCard = { id: String(pi.payment_method), object: 'payment_method', type: 'card', customer: pi.customer };
    Object.assign(pi, {
      status: 'requires_payment_method',
      next_action: null,
      last_payment_error: {
        code: 'payment_intent_authentication_failure',
        type: 'invalid_request_error',
        message: 'The provided PaymentMethod has failed authentication. You can provide payment_method_data or a new PaymentMethod to attempt to fulfill this PaymentIntent again.',
        payment_method: failedCard,
      },
    });
    world.emit('payment_intent.payment_failed', structuredClone(pi));
    res.redirect(303, backTo(pi, returnUrl, 'failed'));
  });
  return router;
}
