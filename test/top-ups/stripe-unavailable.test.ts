import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { startHarness, type Harness } from '../support/harness.js';
import {
  StripeRecorder,
  apiKeyAuth,
  expectApiError,
  expectNothingCredited,
  getTopUp,
  postTopUp,
  settle,
  storedPaymentIntent,
  waitForDelivered,
} from './top-up-helpers.js';

const BODY = { customer_id: 'cus_alice', amount: 1000, currency: 'usd', subscription_id: 'sub_alice' };

describe('Stripe unavailable', () => {
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

  test("Stripe answering 500 → 503 stripe_unavailable after the SDK's two retries; Stripe's message is not passed on", async () => {
    h.stripe.failNext(500, 500, 500, 500);
    const res = await postTopUp(h, BODY, apiKeyAuth, 'outage-1');
    expectApiError(res, 503, 'stripe_unavailable');
    expect(res.text).not.toContain('simulated');
    expect(res.text).not.toContain('api_error');
    // One call and two retries reached Stripe before giving up; nothing was created.
    expect(h.stripe.requests).toHaveLength(3);
    expect(h.stripe.paymentIntents.size).toBe(0);
    await settle(60);
    await expectNothingCredited(h);

    // The client retries with the same Idempotency-Key once Stripe is back: one PaymentIntent, one credit.
    const retry = await postTopUp(h, BODY, apiKeyAuth, 'outage-1');
    expect(retry.status, retry.text).toBe(201);
    expect(h.stripe.paymentIntents.size).toBe(1);
    await waitForDelivered(h, retry.body.payment_intent_id);
    expect(h.moesif.accepted).toHaveLength(1);
  });

  test('a PaymentIntent create failing twice with 500 is retried by the SDK with the same idempotency key → one PaymentIntent', async () => {
    recorder.failNext('POST', '/v1/payment_intents', 500, 500);
    const res = await postTopUp(h, BODY, apiKeyAuth);
    expect(res.status, res.text).toBe(201);
    const creates = recorder.posts();
    expect(creates.map((c) => c.status)).toEqual([500, 500, 200]);
    expect(new Set(creates.map((c) => c.idempotencyKey)).size).toBe(1);
    expect(creates[0]!.idempotencyKey).toMatch(/^topup-sync-/);
    expect(h.stripe.paymentIntents.size).toBe(1);
    expect(storedPaymentIntent(h, res.body.payment_intent_id).status).toBe('succeeded');
  });

  test('a create that keeps failing → 503; the client retry with the same Idempotency-Key reaches Stripe with the same key', async () => {
    recorder.failNext('POST', '/v1/payment_intents', 503, 503, 503);
    const res = await postTopUp(h, BODY, apiKeyAuth, 'outage-2');
    expectApiError(res, 503, 'stripe_unavailable');
    expect(res.text).not.toContain('recorder');
    const failedKey = recorder.posts()[0]!.idempotencyKey;
    expect(recorder.posts()).toHaveLength(3);
    await settle(60);
    await expectNothingCredited(h);

    const retry = await postTopUp(h, BODY, apiKeyAuth, 'outage-2');
    expect(retry.status).toBe(201);
    const creates = recorder.posts();
    expect(creates).toHaveLength(4);
    expect(creates.every((c) => c.idempotencyKey === failedKey)).toBe(true);
    expect(h.stripe.paymentIntents.size).toBe(1);
  });

  test.each([
    [401, 502, 'stripe_misconfigured'],
    [403, 502, 'stripe_misconfigured'],
  ])('Stripe answering %i → %i %s without Stripe’s message', async (stripeStatus, status, code) => {
    h.stripe.failNext(stripeStatus);
    const res = await postTopUp(h, BODY, apiKeyAuth);
    expectApiError(res, status, code);
    expect(res.text).not.toContain('simulated');
    expect(h.stripe.paymentIntents.size).toBe(0);
  });

  test('GET /top-ups/:id while Stripe is down → 503 stripe_unavailable', async () => {
    const created = await postTopUp(h, BODY, apiKeyAuth);
    await waitForDelivered(h, created.body.payment_intent_id);
    h.stripe.failNext(500, 500, 500);
    const res = await getTopUp(h, created.body.payment_intent_id, apiKeyAuth);
    expectApiError(res, 503, 'stripe_unavailable');
    expect(res.text).not.toContain('simulated');
  });

  test('the logs do not carry the API key or the client secret', async () => {
    const res = await postTopUp(h, { ...BODY, flow: 'on_session' }, apiKeyAuth);
    expect(res.status).toBe(201);
    const text = h.logs.text;
    expect(text).not.toContain(apiKeyAuth.slice('Bearer '.length));
    expect(text).not.toContain(res.body.client_secret);
  });
});
