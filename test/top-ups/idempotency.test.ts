import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { API_KEY, startHarness, waitFor, type Harness } from '../support/harness.js';
import {
  apiKeyAuth,
  bearer,
  expectApiError,
  paymentIntentPosts,
  postTopUp,
  settle,
  signJwt,
  waitForDelivered,
} from './top-up-helpers.js';

const BODY = { customer_id: 'cus_alice', amount: 1000, currency: 'usd' };
const SECOND_API_KEY = 'second-server-api-key-fedcba9876543210';

describe('POST /top-up Idempotency-Key', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness({ env: { TOP_UP_API_KEYS: `${API_KEY},${SECOND_API_KEY}` } });
  });
  afterEach(async () => {
    await h.stop();
  });

  test.each([
    ['off-session', BODY],
    ['on-session', { ...BODY, flow: 'on_session' }],
    ['with subscription and card', { ...BODY, subscription_id: 'sub_alice', payment_method: 'pm_card_visa' }],
  ])('the same key and body twice (%s) → the same PaymentIntent, created once at Stripe', async (_label, body) => {
    const clientKey = 'order-7f3a-0001';
    const first = await postTopUp(h, body, apiKeyAuth, clientKey);
    const second = await postTopUp(h, body, apiKeyAuth, clientKey);
    expect(first.status, first.text).toBe(201);
    expect(second.status).toBe(201);
    expect(second.body).toEqual(first.body);
    expect(h.stripe.paymentIntents.size).toBe(1);

    const posts = paymentIntentPosts(h);
    expect(posts).toHaveLength(2);
    const [k1, k2] = posts.map((p) => p.idempotencyKey);
    expect(k1).toBeDefined();
    expect(k1).toBe(k2);
    // Not the raw client key: scoped to the caller and the customer.
    expect(k1).not.toBe(clientKey);
    expect(k1).not.toContain(clientKey);
    expect(k1!.length).toBeLessThanOrEqual(255);

    // At most one credit results.
    await settle();
    const id = first.body.payment_intent_id as string;
    expect(h.moesif.accepted.filter((t) => t.transaction_id === id).length).toBeLessThanOrEqual(1);
    expect(h.moesif.duplicateCount).toBe(0);
  });

  test('a replay after the credit was delivered does not credit again', async () => {
    const first = await postTopUp(h, BODY, apiKeyAuth, 'replay-after-delivery');
    const id = first.body.payment_intent_id as string;
    await waitForDelivered(h, id);
    const second = await postTopUp(h, BODY, apiKeyAuth, 'replay-after-delivery');
    expect(second.body.payment_intent_id).toBe(id);
    await settle();
    expect(h.moesif.accepted).toHaveLength(1);
    expect((await h.service.store.outbox.get(id))?.attempts).toBe(1);
  });

  test('concurrent requests with the same key and body → one PaymentIntent', async () => {
    const results = await Promise.all(Array.from({ length: 4 }, () => postTopUp(h, BODY, apiKeyAuth, 'concurrent-key')));
    const ok = results.filter((r) => r.status === 201);
    expect(ok.length).toBeGreaterThanOrEqual(1);
    expect(new Set(ok.map((r) => r.body.payment_intent_id)).size).toBe(1);
    for (const r of results) if (r.status !== 201) expect(r.status).toBeLessThan(500);
    expect(h.stripe.paymentIntents.size).toBe(1);
    await waitFor(() => h.moesif.ledger.size === 1);
    await settle();
    expect(h.moesif.accepted).toHaveLength(1);
  });

  test.each([
    ['a different amount', { ...BODY, amount: 2000 }],
    ['a different currency', { ...BODY, currency: 'eur' }],
    ['a different flow', { ...BODY, flow: 'on_session' }],
    ['a different card', { ...BODY, payment_method: 'pm_card_chargeDeclined' }],
    ['a different subscription', { ...BODY, subscription_id: 'sub_other' }],
  ])('the same key with %s → 409 idempotency_key_reused, no second PaymentIntent', async (_label, changed) => {
    const first = await postTopUp(h, BODY, apiKeyAuth, 'reused-key');
    expect(first.status).toBe(201);
    const postsBefore = paymentIntentPosts(h).length;
    const second = await postTopUp(h, changed, apiKeyAuth, 'reused-key');
    expectApiError(second, 409, 'idempotency_key_reused');
    expect(paymentIntentPosts(h)).toHaveLength(postsBefore);
    expect(h.stripe.paymentIntents.size).toBe(1);
  });

  test('a declined request replayed with the same key → the same 402 and the same PaymentIntent', async () => {
    const body = { ...BODY, payment_method: 'pm_card_chargeDeclined' };
    const first = await postTopUp(h, body, apiKeyAuth, 'declined-key');
    const second = await postTopUp(h, body, apiKeyAuth, 'declined-key');
    expect(first.status).toBe(402);
    expect(second.status).toBe(402);
    expect(second.body.error.payment_intent_id).toBe(first.body.error.payment_intent_id);
    expect(h.stripe.paymentIntents.size).toBe(1);
  });

  test.each([
    ['API key vs a JWT', async () => apiKeyAuth, async () => bearer(await signJwt({ customer: 'cus_alice', subject: 'user_1' }))],
    ['two API keys', async () => apiKeyAuth, async () => `Bearer ${SECOND_API_KEY}`],
    [
      'two JWT users of the same customer',
      async () => bearer(await signJwt({ customer: 'cus_alice', subject: 'user_1' })),
      async () => bearer(await signJwt({ customer: 'cus_alice', subject: 'user_2' })),
    ],
  ])('the same client key from two callers (%s) does not collide', async (_label, authA, authB) => {
    const clientKey = 'shared-client-key';
    const a = await postTopUp(h, BODY, await authA(), clientKey);
    // Even with a different amount: another caller's key is not "reused".
    const b = await postTopUp(h, { ...BODY, amount: 2000 }, await authB(), clientKey);
    expect(a.status, a.text).toBe(201);
    expect(b.status, b.text).toBe(201);
    expect(a.body.payment_intent_id).not.toBe(b.body.payment_intent_id);
    expect(h.stripe.paymentIntents.size).toBe(2);
    const keys = paymentIntentPosts(h).map((p) => p.idempotencyKey);
    expect(keys).toHaveLength(2);
    expect(keys[0]).not.toBe(keys[1]);
    for (const k of keys) expect(k).not.toContain(clientKey);
    await waitFor(() => h.moesif.ledger.size === 2);
    expect(h.moesif.balanceOf('sub_alice')).toBe(30);
  });

  test('the same client key for two customers (one API key) does not collide', async () => {
    const a = await postTopUp(h, BODY, apiKeyAuth, 'per-customer');
    const b = await postTopUp(h, { ...BODY, customer_id: 'cus_bob' }, apiKeyAuth, 'per-customer');
    expect(a.status).toBe(201);
    expect(b.status).toBe(201);
    expect(b.body.customer_id).toBe('cus_bob');
    expect(a.body.payment_intent_id).not.toBe(b.body.payment_intent_id);
  });

  test('a key is the whole key: keys that differ only in case are different requests', async () => {
    const a = await postTopUp(h, BODY, apiKeyAuth, 'Key-A');
    const b = await postTopUp(h, { ...BODY, amount: 3000 }, apiKeyAuth, 'key-a');
    expect(a.status).toBe(201);
    expect(b.status).toBe(201);
    expect(h.stripe.paymentIntents.size).toBe(2);
  });
});

describe('POST /top-up Idempotency-Key after Stripe has forgotten the key', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.stop();
    h = undefined;
  });

  test('a replay a day later returns the first PaymentIntent and charges nothing new', async () => {
    let offsetMs = 0;
    h = await startHarness({ now: () => Date.now() + offsetMs });
    const body = { customer_id: 'cus_alice', amount: 1000, currency: 'usd' };
    const first = await h.topUp(body, 'order-day-old');
    expect(first.status).toBe(201);
    // Let the credit be delivered before the clock jumps (a jump would also expire its lease).
    await waitFor(async () => (await h!.service.store.outbox.get(first.body.payment_intent_id))?.state === 'delivered', 5_000, 'delivered');

    offsetMs = 24 * 3600 * 1000;
    h.stripe.forgetIdempotencyKeys();
    const replay = await h.topUp(body, 'order-day-old');
    expect(replay.status).toBe(201);
    expect(replay.body).toMatchObject({ payment_intent_id: first.body.payment_intent_id, status: 'succeeded', amount: 1000 });
    expect(h.stripe.createdPaymentIntentCount).toBe(1);
    await new Promise((r) => setTimeout(r, 100));
    expect(h.moesif.accepted).toHaveLength(1);
  });
});
