import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { ALICE, BOB, startHarness, waitFor, type Harness } from '../support/harness.js';
import {
  StripeRecorder,
  apiKeyAuth,
  paymentIntentPosts,
  postTopUp,
  settle,
  storedPaymentIntent,
  waitForDelivered,
} from './top-up-helpers.js';

describe('POST /top-up off-session: charge the saved card, credit at once', () => {
  let h: Harness;
  let recorder: StripeRecorder;
  beforeEach(async () => {
    recorder = await new StripeRecorder().start();
    h = await startHarness({
      env: { STRIPE_API_BASE: recorder.url },
      customers: [
        ALICE,
        BOB,
        // Default card is not the first listed: data[0] would pick the wrong card.
        { id: 'cus_dora', defaultPaymentMethod: 'pm_card_mastercard', paymentMethods: ['pm_card_visa', 'pm_card_mastercard'], subscriptions: [{ id: 'sub_dora', status: 'active' }] },
      ],
    });
    recorder.target = h.stripe.url;
  });
  afterEach(async () => {
    await h.stop();
    await recorder.stop();
  });

  test('201 with the PaymentIntent, no client_secret; the PaymentIntent is tagged and confirmed off-session', async () => {
    const res = await postTopUp(h, { customer_id: 'cus_alice', amount: 1000, currency: 'usd', subscription_id: 'sub_alice' }, apiKeyAuth);
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      payment_intent_id: expect.stringMatching(/^pi_/),
      status: 'succeeded',
      amount: 1000,
      currency: 'usd',
      customer_id: 'cus_alice',
    });
    expect(res.body).not.toHaveProperty('client_secret');
    expect(res.headers['x-request-id']).toEqual(expect.any(String));

    const pi = storedPaymentIntent(h, res.body.payment_intent_id);
    expect(pi).toMatchObject({ status: 'succeeded', amount: 1000, amount_received: 1000, currency: 'usd', customer: 'cus_alice' });
    expect(pi.metadata).toEqual({ topup_sync: 'v1', moesif_company_id: 'cus_alice', moesif_subscription_id: 'sub_alice' });
    expect(h.stripe.paymentIntents.size).toBe(1);

    const [create] = recorder.posts();
    expect(create?.params.get('off_session')).toBe('true');
    expect(create?.params.get('confirm')).toBe('true');
    expect(create?.params.get('payment_method')).toBe('pm_card_visa');
    expect(create?.params.get('metadata[topup_sync]')).toBe('v1');
    // No redirect is ever needed off-session, so Stripe confirms it without a return_url (issue 9).
    expect(create?.params.get('automatic_payment_methods[enabled]')).toBe('true');
    expect(create?.params.get('automatic_payment_methods[allow_redirects]')).toBe('never');
    expect(create?.params.has('return_url')).toBe(false);
    expect(create?.idempotencyKey).toMatch(/^topup-sync-/);

    const stored = await h.service.store.topUps.get(pi.id);
    expect(stored).toMatchObject({
      paymentIntentId: pi.id,
      customerId: 'cus_alice',
      companyId: 'cus_alice',
      subscriptionId: 'sub_alice',
      amountMinor: 1000,
      currency: 'usd',
      flow: 'off_session',
    });
  });

  test('without subscription_id the metadata has no moesif_subscription_id; the credit goes to the only active subscription', async () => {
    const res = await postTopUp(h, { customer_id: 'cus_bob', amount: 2000, currency: 'usd' }, apiKeyAuth);
    expect(res.status).toBe(201);
    const pi = storedPaymentIntent(h, res.body.payment_intent_id);
    expect(pi.metadata).toEqual({ topup_sync: 'v1', moesif_company_id: 'cus_bob' });
    await waitForDelivered(h, pi.id);
    expect(h.moesif.accepted).toEqual([
      { company_id: 'cus_bob', subscription_id: 'sub_bob', amount: 20, type: 'credit', transaction_id: pi.id, description: `Stripe top-up ${pi.id}` },
    ]);
  });

  test("defect 8: the customer's default card is charged, not the first listed card", async () => {
    const res = await postTopUp(h, { customer_id: 'cus_dora', amount: 1000, currency: 'usd' }, apiKeyAuth);
    expect(res.status).toBe(201);
    expect(storedPaymentIntent(h, res.body.payment_intent_id).payment_method).toBe('pm_card_mastercard');
    expect(recorder.posts()[0]?.params.get('payment_method')).toBe('pm_card_mastercard');
    // With a default there is nothing to choose: the card list is not even read.
    expect(h.stripe.requests.some((r) => r.path.endsWith('/payment_methods'))).toBe(false);
  });

  test('the credit is queued before the response (fast path) and reaches Moesif', async () => {
    const res = await postTopUp(h, { customer_id: 'cus_alice', amount: 1000, currency: 'usd', subscription_id: 'sub_alice' }, apiKeyAuth);
    expect(res.status).toBe(201);
    const id = res.body.payment_intent_id as string;
    const entry = await h.service.store.outbox.get(id);
    expect(entry).toMatchObject({
      transactionId: id,
      kind: 'credit',
      customerId: 'cus_alice',
      companyId: 'cus_alice',
      subscriptionId: 'sub_alice',
      amountMinor: 1000,
      currency: 'usd',
      paymentIntentId: id,
      source: 'top-up',
    });
    await waitForDelivered(h, id);
    expect(h.moesif.accepted).toEqual([
      { company_id: 'cus_alice', subscription_id: 'sub_alice', amount: 10, type: 'credit', transaction_id: id, description: `Stripe top-up ${id}` },
    ]);
  });

  test.each([
    // [amount, currency, Moesif amount in major units]
    [1000, 'usd', 10],
    [1234, 'usd', 12.34],
    [50, 'usd', 0.5],
    [2550, 'eur', 25.5],
    [500, 'jpy', 500],
    [1230, 'kwd', 1.23],
    [500, 'isk', 5],
    [99_999_999, 'usd', 999_999.99],
  ])('defect 1: %i %s is credited to Moesif as %d (major units)', async (amount, currency, major) => {
    const res = await postTopUp(h, { customer_id: 'cus_alice', amount, currency, subscription_id: 'sub_alice' }, apiKeyAuth);
    expect(res.status, res.text).toBe(201);
    expect(res.body).toMatchObject({ amount, currency, status: 'succeeded' });
    const id = res.body.payment_intent_id as string;
    await waitForDelivered(h, id);
    expect(h.moesif.accepted.map((t) => [t.transaction_id, t.amount])).toEqual([[id, major]]);
  });

  test('a worker that is stopped does not lose the fast-path credit: it is delivered when the worker starts', async () => {
    await h.service.worker.stop();
    const res = await postTopUp(h, { customer_id: 'cus_alice', amount: 700, currency: 'usd' }, apiKeyAuth);
    expect(res.status).toBe(201);
    const id = res.body.payment_intent_id as string;
    await settle(80);
    expect((await h.service.store.outbox.get(id))?.state).toBe('pending');
    expect(h.moesif.requests).toEqual([]);
    h.service.worker.start();
    await waitForDelivered(h, id);
    expect(h.moesif.accepted).toHaveLength(1);
    expect(paymentIntentPosts(h)).toHaveLength(1);
  });

  test('each top-up without an Idempotency-Key is a new PaymentIntent and its own credit', async () => {
    const a = await postTopUp(h, { customer_id: 'cus_alice', amount: 1000, currency: 'usd' }, apiKeyAuth);
    const b = await postTopUp(h, { customer_id: 'cus_alice', amount: 1000, currency: 'usd' }, apiKeyAuth);
    expect(a.status).toBe(201);
    expect(b.status).toBe(201);
    expect(a.body.payment_intent_id).not.toBe(b.body.payment_intent_id);
    const keys = paymentIntentPosts(h).map((r) => r.idempotencyKey);
    expect(keys).toHaveLength(2);
    expect(new Set(keys).size).toBe(2);
    await waitFor(() => h.moesif.ledger.size === 2);
    expect(h.moesif.balanceOf('sub_alice')).toBe(20);
  });
});
