import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startHarness, topUpPaymentIntent, waitFor, type Harness } from './support/harness.js';

describe('payment_intent.succeeded → one Moesif credit', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(async () => {
    await h.stop();
  });

  it('records the event, answers 200, and credits major units with the PaymentIntent id', async () => {
    const pi = topUpPaymentIntent({ amount: 1000, amount_received: 1000 });
    const event = h.stripe.makeEvent('payment_intent.succeeded', pi);
    const res = await h.postEvent(event);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ received: true, outcome: 'queued' });
    expect((await h.service.store.events.get(event.id))?.outcome).toBe('queued');
    await waitFor(() => h.moesif.ledger.size === 1);
    expect(h.moesif.accepted).toEqual([
      {
        company_id: 'cus_alice',
        subscription_id: 'sub_alice',
        amount: 10,
        type: 'credit',
        transaction_id: pi.id,
        description: `Stripe top-up ${pi.id}`,
      },
    ]);
    await waitFor(async () => (await h.service.store.outbox.get(pi.id))?.state === 'delivered');
  });
});
