import { afterEach, beforeEach, describe, expect, it, test } from 'vitest';
import type { FakeCustomer } from '../../src/simulators/stripe/fake-stripe.js';
import { ALICE, BOB, startHarness, type Harness } from '../support/harness.js';
import { apiKeyAuth, creditAlice, expectApiError, getBalance, jwtFor } from './balance-helpers.js';

const CAROL: FakeCustomer = {
  id: 'cus_carol',
  defaultPaymentMethod: 'pm_card_visa',
  paymentMethods: ['pm_card_visa'],
  subscriptions: [
    { id: 'sub_carol_a', status: 'active' },
    { id: 'sub_carol_b', status: 'active' },
  ],
};
const DAN: FakeCustomer = { id: 'cus_dan', paymentMethods: [], subscriptions: [{ id: 'sub_dan_old', status: 'canceled' }] };

const subscriptionLookups = (h: Harness) => h.stripe.requests.filter((r) => r.path === '/v1/subscriptions').length;

describe('GET /balance', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness({ customers: [ALICE, BOB, CAROL, DAN] });
  });
  afterEach(async () => {
    await h.stop();
  });

  it('API key + customer_id: Moesif figures of the one active subscription, resolved from Stripe', async () => {
    const piId = await creditAlice(h, 1000);
    expect(h.moesif.ledger.get(piId)?.amount).toBe(10);
    const res = await getBalance(h, { customer_id: 'cus_alice' }, apiKeyAuth);
    expect(res.status, res.text).toBe(200);
    expect(res.body).toEqual({
      customer_id: 'cus_alice',
      subscription_id: 'sub_alice',
      current_balance: 10,
      pending_activity: 0,
      available_balance: 10,
      last_modified: expect.any(String),
      in_flight: [],
      in_flight_credits: 0,
    });
    expect(subscriptionLookups(h)).toBeGreaterThan(0);
  });

  it('API key + customer_id + subscription_id: the subscription is used once Stripe says it is the customer\'s', async () => {
    await creditAlice(h, 2500);
    const res = await getBalance(h, { customer_id: 'cus_alice', subscription_id: 'sub_alice' }, apiKeyAuth);
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({ customer_id: 'cus_alice', subscription_id: 'sub_alice', current_balance: 25, available_balance: 25 });
    expect(subscriptionLookups(h)).toBe(0);
    expect(h.stripe.requests.filter((r) => r.path === '/v1/subscriptions/sub_alice')).toHaveLength(1);

    // Another customer's subscription, or one Stripe does not know: 422, Moesif not asked.
    const moesifReads = h.moesif.requests.length;
    for (const sub of ['sub_bob', 'sub_managed_elsewhere']) {
      const other = await getBalance(h, { customer_id: 'cus_alice', subscription_id: sub }, apiKeyAuth);
      expectApiError(other, 422, 'subscription_not_owned');
    }
    expect(h.moesif.requests.length).toBe(moesifReads);
  });

  it('a JWT without customer_id: the caller\'s own balance', async () => {
    await creditAlice(h, 1000);
    const res = await getBalance(h, {}, `Bearer ${await jwtFor('cus_alice')}`);
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({
      customer_id: 'cus_alice',
      subscription_id: 'sub_alice',
      current_balance: 10,
      pending_activity: 0,
      available_balance: 10,
    });
  });

  it('a JWT naming its own customer and one of its subscriptions: 200', async () => {
    await creditAlice(h, 1000);
    const res = await getBalance(h, { customer_id: 'cus_alice', subscription_id: 'sub_alice' }, `Bearer ${await jwtFor('cus_alice')}`);
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({ customer_id: 'cus_alice', subscription_id: 'sub_alice', available_balance: 10 });
  });

  it("a JWT for alice asking for cus_bob's balance → 403, Moesif not asked", async () => {
    const res = await getBalance(h, { customer_id: 'cus_bob' }, `Bearer ${await jwtFor('cus_alice')}`);
    expectApiError(res, 403, 'forbidden');
    expect(res.body.error).not.toHaveProperty('current_balance');
    expect(subscriptionLookups(h)).toBe(0);
  });

  test.each(['sub_bob', 'sub_nonexistent'])('a JWT naming subscription %s, not its own → 403', async (sub) => {
    const res = await getBalance(h, { subscription_id: sub }, `Bearer ${await jwtFor('cus_alice')}`);
    expectApiError(res, 403, 'forbidden');
  });

  test.each([
    ['no Authorization header', undefined],
    ['a wrong API key', 'Bearer wrong-api-key-0123456789abcdef'],
    ['Basic credentials', `Basic ${Buffer.from('a:b').toString('base64')}`],
  ])('%s → 401', async (_label, authorization) => {
    const res = await getBalance(h, { customer_id: 'cus_alice' }, authorization);
    expectApiError(res, 401, 'unauthenticated');
  });

  test.each([
    ['expired', { expiresAt: Math.floor(Date.now() / 1000) - 3600 }],
    ['wrong audience', { audience: 'someone-else' }],
    ['wrong issuer', { issuer: 'https://evil.example/' }],
    ['wrong secret', { secret: 'another-secret-that-is-at-least-32-characters' }],
  ])('a JWT that is %s → 401', async (_label, options) => {
    const res = await getBalance(h, {}, `Bearer ${await jwtFor('cus_alice', options)}`);
    expectApiError(res, 401, 'unauthenticated');
  });

  it('API key without customer_id → 400 naming customer_id', async () => {
    const res = await getBalance(h, {}, apiKeyAuth);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_failed');
    expect(res.body.error.message).toContain('customer_id');
    expect(res.body.error.fields).toEqual([expect.objectContaining({ field: 'customer_id' })]);
  });

  it('a malformed customer_id → 400', async () => {
    const res = await getBalance(h, { customer_id: 'alice' }, apiKeyAuth);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_failed');
    expect(JSON.stringify(res.body.error)).toContain('customer_id');
  });

  it("a customer with two active subscriptions and no subscription_id → 422 subscription_unresolved; naming one → 200", async () => {
    const res = await getBalance(h, { customer_id: 'cus_carol' }, apiKeyAuth);
    expectApiError(res, 422, 'subscription_unresolved');
    expect(res.body.error.message).toMatch(/2 active subscriptions/);

    const jwt = `Bearer ${await jwtFor('cus_carol')}`;
    expectApiError(await getBalance(h, {}, jwt), 422, 'subscription_unresolved');
    const chosen = await getBalance(h, { subscription_id: 'sub_carol_b' }, jwt);
    expect(chosen.status, chosen.text).toBe(200);
    expect(chosen.body).toMatchObject({ customer_id: 'cus_carol', subscription_id: 'sub_carol_b' });
  });

  it('a customer with no active subscription → 422 subscription_unresolved', async () => {
    const res = await getBalance(h, { customer_id: 'cus_dan' }, apiKeyAuth);
    expectApiError(res, 422, 'subscription_unresolved');
  });

  it("each customer sees their own subscription's balance", async () => {
    await creditAlice(h, 1000);
    const bob = await getBalance(h, {}, `Bearer ${await jwtFor('cus_bob')}`);
    expect(bob.status).toBe(200);
    expect(bob.body).toMatchObject({ customer_id: 'cus_bob', subscription_id: 'sub_bob', current_balance: 0, available_balance: 0, in_flight: [] });
  });
});
