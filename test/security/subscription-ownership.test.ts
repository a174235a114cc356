import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { ALICE, BOB, startHarness, type Harness } from '../support/harness.js';
import {
  apiKeyAuth,
  bearer,
  expectApiError,
  expectNothingCredited,
  paymentIntentPosts,
  postTopUp,
  settle,
  signJwt,
  waitForDelivered,
} from '../top-ups/top-up-helpers.js';

/**
 * Issue 8, item 2: /top-up took any subscription_id, so alice (JWT) could send her credit to
 * bob's Moesif subscription. A named subscription must be the customer's own (Stripe's
 * subscription.customer): 403 for browser callers, 422 for API keys, and nothing is charged.
 */
const CAROL = { id: 'cus_carol', defaultPaymentMethod: 'pm_card_visa', paymentMethods: ['pm_card_visa'], subscriptions: [{ id: 'sub_carol', status: 'active' as const }] };
const subscriptionReads = (h: Harness, id: string) => h.stripe.requests.filter((r) => r.method === 'GET' && r.path === `/v1/subscriptions/${id}`);

describe('issue 8 #2: a top-up may only credit the customer\'s own subscription', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ customers: [ALICE, BOB, CAROL] });
  });
  afterAll(async () => {
    await h.stop();
  });
  afterEach(() => {
    h.stripe.requests.length = 0;
  });

  test.each([
    ["bob's subscription", 'sub_bob'],
    ['a subscription Stripe does not know', 'sub_nobodys'],
  ])('a JWT user naming %s → 403, nothing charged or queued', async (_what, sub) => {
    const token = await signJwt({ customer: 'cus_alice' });
    const res = await postTopUp(h, { amount: 1000, currency: 'usd', subscription_id: sub }, bearer(token));
    expectApiError(res, 403, 'forbidden');
    expect(paymentIntentPosts(h)).toEqual([]);
    expect(h.stripe.paymentIntents.size).toBe(0);
    await settle(60);
    await expectNothingCredited(h);
  });

  test.each([
    ["bob's subscription", 'sub_bob', /another customer/],
    ['a subscription Stripe does not know', 'sub_nobodys', /no such subscription/],
  ])('an API key naming %s for alice → 422 subscription_not_owned, nothing charged', async (_what, sub, message) => {
    const res = await postTopUp(h, { customer_id: 'cus_alice', amount: 1000, currency: 'usd', subscription_id: sub }, apiKeyAuth);
    expectApiError(res, 422, 'subscription_not_owned', ['param']);
    expect(res.body.error.message).toMatch(message);
    expect(res.body.error.param).toBe('subscription_id');
    expect(paymentIntentPosts(h)).toEqual([]);
    await settle(60);
    await expectNothingCredited(h);
  });

  test("the customer's own subscription is accepted; Stripe is asked once and the answer reused", async () => {
    const token = await signJwt({ customer: 'cus_carol' });
    for (let i = 0; i < 2; i++) {
      const res = await postTopUp(h, { amount: 1000, currency: 'usd', subscription_id: 'sub_carol' }, bearer(token));
      expect(res.status, res.text).toBe(201);
      await waitForDelivered(h, res.body.payment_intent_id);
    }
    expect(subscriptionReads(h, 'sub_carol')).toHaveLength(1);
    expect(h.moesif.accepted.map((tx) => [tx.company_id, tx.subscription_id])).toEqual([
      ['cus_carol', 'sub_carol'],
      ['cus_carol', 'sub_carol'],
    ]);
  });
});
