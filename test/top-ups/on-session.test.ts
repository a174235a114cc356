import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { startHarness, type Harness } from '../support/harness.js';
import {
  StripeRecorder,
  apiKeyAuth,
  bearer,
  expectNothingCredited,
  getTopUp,
  postTopUp,
  settle,
  signJwt,
  storedPaymentIntent,
  waitForDelivered,
} from './top-up-helpers.js';

describe('POST /top-up on-session: the browser collects and confirms the payment', () => {
  let h: Harness;
  let recorder: StripeRecorder;
  beforeEach(async () => {
    recorder = await new StripeRecorder().start();
    h = await startHarness({ env: { STRIPE_API_BASE: recorder.url } });
    recorder.target = h.stripe.url;
  });
  afterEach(async () => {
    await h.stop();
    await recorder.stop();
  });

  test.each([
    ['a JWT (browser user)', async () => bearer(await signJwt({ customer: 'cus_alice' })), { amount: 2500, currency: 'eur', flow: 'on_session' }],
    ['the API key', async () => apiKeyAuth, { customer_id: 'cus_alice', amount: 2500, currency: 'eur', flow: 'on_session' }],
  ])('with %s: 201 requires_payment_method + client_secret; created unconfirmed with automatic payment methods', async (_label, auth, body) => {
    const res = await postTopUp(h, body, await auth());
    expect(res.status, res.text).toBe(201);
    const id = res.body.payment_intent_id as string;
    const pi = storedPaymentIntent(h, id);
    expect(res.body).toEqual({
      payment_intent_id: id,
      status: 'requires_payment_method',
      amount: 2500,
      currency: 'eur',
      customer_id: 'cus_alice',
      client_secret: pi.client_secret,
    });
    expect(pi).toMatchObject({ status: 'requires_payment_method', amount_received: 0, payment_method: null, customer: 'cus_alice' });
    expect(pi.metadata).toEqual({ topup_sync: 'v1', moesif_company_id: 'cus_alice' });

    const creates = recorder.posts();
    expect(creates).toHaveLength(1);
    const params = creates[0]!.params;
    expect(params.get('automatic_payment_methods[enabled]')).toBe('true');
    expect(params.has('confirm')).toBe(false);
    expect(params.has('off_session')).toBe(false);
    expect(params.has('payment_method')).toBe(false);
    expect(params.get('amount')).toBe('2500');
    expect(params.get('currency')).toBe('eur');
    expect(params.get('customer')).toBe('cus_alice');
    // No card was chosen for the customer: the browser does that.
    expect(recorder.requests.some((r) => r.path.endsWith('/payment_methods'))).toBe(false);

    expect(await h.service.store.topUps.get(id)).toMatchObject({ flow: 'on_session', customerId: 'cus_alice', amountMinor: 2500, currency: 'eur' });
    await settle();
    expect(await h.service.store.outbox.get(id)).toBeNull();
    await expectNothingCredited(h);
  });

  test('nothing is credited until Stripe succeeds the payment and the webhook arrives; then exactly one credit', async () => {
    const token = await signJwt({ customer: 'cus_alice' });
    const res = await postTopUp(h, { amount: 2500, currency: 'eur', flow: 'on_session', subscription_id: 'sub_alice' }, bearer(token));
    const id = res.body.payment_intent_id as string;

    const before = await getTopUp(h, id, bearer(token));
    expect(before.body).toMatchObject({ status: 'requires_payment_method', credit: { state: 'awaiting_payment' } });

    // Succeeded at Stripe, but no webhook yet: still nothing credited (the API path does not poll-credit).
    h.stripe.succeed(id);
    await settle();
    await expectNothingCredited(h);

    const event = h.stripe.makeEvent('payment_intent.succeeded', structuredClone(storedPaymentIntent(h, id)));
    const hook = await h.postEvent(event);
    expect(hook.body).toEqual({ received: true, outcome: 'queued' });
    expect((await h.postEvent(event)).body).toEqual({ received: true, outcome: 'duplicate' });
    await waitForDelivered(h, id);
    await settle();
    expect(h.moesif.accepted).toEqual([
      { company_id: 'cus_alice', subscription_id: 'sub_alice', amount: 25, type: 'credit', transaction_id: id, description: `Stripe top-up ${id}` },
    ]);
    expect((await h.service.store.outbox.get(id))?.source).toBe(`event:${event.id}`);

    const after = await getTopUp(h, id, bearer(token));
    expect(after.body).toMatchObject({ status: 'succeeded', credit: { state: 'delivered', amount: 25 } });
  });

  test('on-session ignores the saved cards even for a customer with a default card', async () => {
    const res = await postTopUp(h, { customer_id: 'cus_bob', amount: 1000, currency: 'usd', flow: 'on_session' }, apiKeyAuth);
    expect(res.status).toBe(201);
    expect(storedPaymentIntent(h, res.body.payment_intent_id).payment_method).toBeNull();
    expect(storedPaymentIntent(h, res.body.payment_intent_id).status).toBe('requires_payment_method');
  });
});
