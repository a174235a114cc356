import { Router } from 'express';
import type { FakeStripe } from './fake-stripe.js';
import { StripeApiError } from './stripe-error.js';

/**
 * Not Stripe's API: what the browser and Stripe would do outside the service's calls, for the
 * demo's curl examples. POST /_simulator/payment_intents/:id/succeed completes a payment (as after
 * 3-D Secure) and delivers its payment_intent.succeeded at once, answering the webhook's status.
 */
export function simulatorControls(fake: FakeStripe): Router {
  const router = Router();
  router.post('/payment_intents/:id/succeed', async (req, res) => {
    if (!fake.paymentIntents.has(req.params.id)) {
      res.status(404).json({ error: { type: 'invalid_request_error', message: `No such payment_intent: '${req.params.id}'` } });
      return;
    }
    let pi;
    try {
      pi = fake.succeed(req.params.id);
    } catch (err) {
      if (!(err instanceof StripeApiError)) throw err;
      res.status(err.status).json({ error: err.body });
      return;
    }
    const event = fake.makeEvent('payment_intent.succeeded', structuredClone(pi));
    let webhookStatus: number | null = null;
    try {
      webhookStatus = await fake.sendEvent(event);
    } catch {
      // No webhook endpoint configured: the event is only listed.
    }
    res.json({ payment_intent: pi.id, status: pi.status, event_id: event.id, webhook_status: webhookStatus });
  });
  return router;
}
