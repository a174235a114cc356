import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { startHarness, topUpPaymentIntent, waitFor, type Harness } from '../support/harness.js';
import { apiKeyAuth, bearer, expectApiError, getTopUp, postTopUp, signJwt, waitForDelivered } from './top-up-helpers.js';

const BODY = { customer_id: 'cus_alice', amount: 1000, currency: 'usd', subscription_id: 'sub_alice' };

describe('GET /top-ups/:payment_intent_id', () => {
  let h: Harness;
  afterEach(async () => {
    await h.stop();
  });

  describe('with the worker running', () => {
    beforeEach(async () => {
      h = await startHarness();
    });

    test('after delivery: succeeded, credit delivered with the Moesif amount and time', async () => {
      const res = await postTopUp(h, BODY, apiKeyAuth);
      const id = res.body.payment_intent_id as string;
      await waitForDelivered(h, id);
      const entry = await h.service.store.outbox.get(id);
      const status = await getTopUp(h, id, apiKeyAuth);
      expect(status.status).toBe(200);
      expect(status.body).toEqual({
        payment_intent_id: id,
        customer_id: 'cus_alice',
        status: 'succeeded',
        amount: 1000,
        currency: 'usd',
        credit: { state: 'delivered', amount: 10, delivered_at: new Date(entry!.deliveredAt!).toISOString() },
      });
    });

    test.each([
      ['an untagged PaymentIntent of the same customer (e.g. a subscription invoice)', { metadata: {} }],
      ['a PaymentIntent tagged by another integration', { metadata: { topup_sync: 'v2', moesif_company_id: 'cus_alice' } }],
      ['a tagged PaymentIntent without a customer', { customer: null }],
    ])('a PaymentIntent not created by this service → 404 (%s)', async (_label, overrides) => {
      const foreign = topUpPaymentIntent(overrides as never);
      h.stripe.paymentIntents.set(foreign.id, foreign);
      const res = await getTopUp(h, foreign.id, apiKeyAuth);
      expectApiError(res, 404, 'not_found');
      // It was looked up, not guessed.
      expect(h.stripe.requests.some((r) => r.method === 'GET' && r.path === `/v1/payment_intents/${foreign.id}`)).toBe(true);
    });

    test.each([
      ['an id Stripe does not know', 'pi_doesnotexist0000', true],
      ['a malformed id', 'not-a-payment-intent', false],
      ['an id with a path trick', 'pi_abc..%2F..%2Fcustomers', false],
      ['a charge id', 'ch_3abc', false],
    ])('%s → 404 not_found', async (_label, id, asked) => {
      const res = await getTopUp(h, id, apiKeyAuth);
      expectApiError(res, 404, 'not_found');
      expect(h.stripe.requests.some((r) => r.path.startsWith('/v1/payment_intents/'))).toBe(asked);
    });

    test('a declined top-up shows requires_payment_method and credit awaiting_payment', async () => {
      const res = await postTopUp(h, { ...BODY, payment_method: 'pm_card_chargeDeclined' }, apiKeyAuth);
      expect(res.status).toBe(402);
      const id = res.body.error.payment_intent_id as string;
      const status = await getTopUp(h, id, bearer(await signJwt({ customer: 'cus_alice' })));
      expect(status.status).toBe(200);
      expect(status.body).toMatchObject({ payment_intent_id: id, status: 'requires_payment_method', credit: { state: 'awaiting_payment' } });
      expect(status.body.credit).toEqual({ state: 'awaiting_payment' });
    });

    test('succeeded at Stripe but no credit queued yet → credit pending', async () => {
      const res = await postTopUp(h, { ...BODY, flow: 'on_session' }, apiKeyAuth);
      const id = res.body.payment_intent_id as string;
      h.stripe.succeed(id);
      const status = await getTopUp(h, id, apiKeyAuth);
      expect(status.body).toMatchObject({ status: 'succeeded', credit: { state: 'pending' } });
    });

    test('a Moesif refusal shows as credit failed with the reason', async () => {
      h.moesif.respondWith(400);
      const res = await postTopUp(h, BODY, apiKeyAuth);
      const id = res.body.payment_intent_id as string;
      await waitFor(async () => (await h.service.store.outbox.get(id))?.state === 'dead', 3_000, 'entry dead');
      const status = await getTopUp(h, id, apiKeyAuth);
      expect(status.body.credit).toMatchObject({ state: 'failed', amount: 10, attempts: 1, reason: expect.stringContaining('400') });
    });
  });

  test('while the worker is stopped the credit is pending with its Moesif amount', async () => {
    h = await startHarness({ startWorker: false });
    const res = await postTopUp(h, { ...BODY, amount: 1230, currency: 'kwd' }, apiKeyAuth);
    const id = res.body.payment_intent_id as string;
    const status = await getTopUp(h, id, apiKeyAuth);
    expect(status.status).toBe(200);
    expect(status.body).toEqual({
      payment_intent_id: id,
      customer_id: 'cus_alice',
      status: 'succeeded',
      amount: 1230,
      currency: 'kwd',
      credit: { state: 'pending', amount: 1.23, attempts: 0 },
    });
  });
});
