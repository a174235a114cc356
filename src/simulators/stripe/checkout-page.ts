import express, { Router } from 'express';
import { payCheckoutSession, settleCheckoutSession } from './checkout-payment.js';
import type { StripeWorld } from './world.js';

const escape = (s: unknown): string =>
  String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** Stripe replaces {CHECKOUT_SESSION_ID} in success_url with the session's id. */
const returnTo = (url: string | null, id: string): string => (url ?? '/').replace('{CHECKOUT_SESSION_ID}', id);

/**
 * The hosted page at a session's `url`: what is bought, the card-reuse consent when the card is
 * being saved, and Pay / Cancel buttons. Pay completes the session as Stripe's page would (the
 * signed events go to the webhook endpoint) and redirects to success_url; Cancel to cancel_url.
 * Not Stripe's API: `POST /_simulator/checkout_sessions/:id/settle` settles a delayed payment.
 */
export function checkoutPage(world: StripeWorld): Router {
  const router = Router();
  router.get('/c/pay/:id', (req, res) => {
    const session = world.checkoutSessions.get(req.params.id);
    if (!session || session.status !== 'open') {
      res.status(404).type('html').send('<p>This checkout session is no longer available.</p>');
      return;
    }
    const items = world.checkoutLineItems.get(session.id) ?? [];
    const saving = Boolean(world.checkoutPaymentIntentData.get(session.id)?.setup_future_usage);
    const id = escape(session.id);
    res.type('html').send(`<!doctype html><html><head><meta charset="utf-8"><title>Checkout (simulated Stripe)</title></head><body>
<h1>Pay ${escape(session.amount_total)} ${escape(session.currency)} (minor units)</h1>
<ul>${items.map((i) => `<li>${escape(i.quantity)} × ${escape(i.description)}</li>`).join('')}</ul>
${saving ? '<p>By paying you allow this business to charge your card for future payments in accordance with its terms.</p>' : ''}
<form method="post" action="/c/pay/${id}/pay"><button name="method" value="card">Pay</button>
<button name="method" value="delayed">Pay by bank debit (settles later)</button></form>
<form method="post" action="/c/pay/${id}/cancel"><button>Cancel</button></form>
</body></html>`);
  });
  router.post('/c/pay/:id/pay', express.urlencoded({ extended: false }), (req, res) => {
    const session = world.checkoutSessions.get(req.params.id);
    if (!session || session.status !== 'open') {
      res.status(404).type('html').send('<p>This checkout session is no longer available.</p>');
      return;
    }
    payCheckoutSession(world, session.id, req.body?.method === 'delayed' ? 'delayed' : 'card');
    res.redirect(303, returnTo(session.success_url, session.id));
  });
  router.post('/c/pay/:id/cancel', (req, res) => {
    const session = world.checkoutSessions.get(req.params.id);
    // Cancelling leaves the session open (it expires later), as on Stripe's page.
    res.redirect(303, returnTo(session?.cancel_url ?? null, req.params.id));
  });
  router.post('/_simulator/checkout_sessions/:id/settle', (req, res) => {
    try {
      const session = settleCheckoutSession(world, req.params.id, req.query.outcome === 'failed' ? 'failed' : 'succeeded');
      res.json({ checkout_session: session.id, payment_status: session.payment_status });
    } catch (err) {
      res.status(400).json({ error: { type: 'invalid_request_error', message: (err as Error).message } });
    }
  });
  return router;
}
