import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { API_KEY, JWT_AUDIENCE, JWT_ISSUER, startHarness, type Harness } from '../support/harness.js';
import {
  apiKeyAuth,
  bearer,
  expectApiError,
  expectNothingCredited,
  getTopUp,
  nowSeconds,
  paymentIntentPosts,
  postTopUp,
  settle,
  signJwt,
  storedPaymentIntent,
  unsignedJwt,
  waitForDelivered,
} from './top-up-helpers.js';

const BODY = { customer_id: 'cus_alice', amount: 1000, currency: 'usd' };

describe('POST /top-up authentication', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(async () => {
    await h.stop();
  });

  test.each([
    ['no Authorization header', undefined],
    ['an empty Authorization header', ''],
    ['a wrong API key', 'Bearer wrong-api-key-0123456789abcdef'],
    ['the API key without the Bearer scheme', API_KEY],
    ['Basic credentials', `Basic ${Buffer.from(`user:${API_KEY}`).toString('base64')}`],
    ['Basic with the API key', `Basic ${API_KEY}`],
    ['"Bearer Bearer <key>"', `Bearer Bearer ${API_KEY}`],
    ['Bearer with nothing after it', 'Bearer '],
    ['the API key with a suffix', `Bearer ${API_KEY}x`],
    ['a prefix of the API key', `Bearer ${API_KEY.slice(0, -1)}`],
  ])('defect 8: %s → 401 unauthenticated, nothing reaches Stripe', async (_label, authorization) => {
    const res = await postTopUp(h, BODY, authorization);
    expectApiError(res, 401, 'unauthenticated');
    expect(h.stripe.requests).toEqual([]);
    expect(h.stripe.paymentIntents.size).toBe(0);
    await settle(60);
    await expectNothingCredited(h);
  });

  test('defect 8: an unauthenticated request is refused before its body is read (bad JSON still 401)', async () => {
    const res = await h.http.post('/top-up').set('Content-Type', 'application/json').send('{"amount": 10');
    expectApiError(res, 401, 'unauthenticated');
    expect(h.stripe.requests).toEqual([]);
  });

  test.each([
    ['cus_alice', 'pm_card_visa'],
    ['cus_bob', 'pm_card_visa'],
  ])('defect 8: a valid API key may top up any customer (%s)', async (customer, card) => {
    const res = await postTopUp(h, { ...BODY, customer_id: customer }, apiKeyAuth);
    expect(res.status).toBe(201);
    expect(res.body.customer_id).toBe(customer);
    const pi = storedPaymentIntent(h, res.body.payment_intent_id);
    expect(pi.customer).toBe(customer);
    expect(pi.payment_method).toBe(card);
    const stored = await h.service.store.topUps.get(pi.id);
    expect(stored?.customerId).toBe(customer);
    expect(stored?.caller).toMatch(/^api_key:/);
    expect(stored?.caller).not.toContain(API_KEY);
  });

  test('defect 8: a JWT tops up its own customer with customer_id omitted from the body', async () => {
    const token = await signJwt({ customer: 'cus_alice', subject: 'user_42' });
    const res = await postTopUp(h, { amount: 1500, currency: 'usd' }, bearer(token));
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ status: 'succeeded', amount: 1500, currency: 'usd', customer_id: 'cus_alice' });
    const pi = storedPaymentIntent(h, res.body.payment_intent_id);
    expect(pi.customer).toBe('cus_alice');
    expect(pi.amount).toBe(1500);
    const stored = await h.service.store.topUps.get(pi.id);
    expect(stored).toMatchObject({ customerId: 'cus_alice', amountMinor: 1500, currency: 'usd', caller: 'jwt:user_42' });
    expect(stored?.caller).not.toContain(token);
    await waitForDelivered(h, pi.id);
    expect(h.moesif.accepted).toEqual([expect.objectContaining({ company_id: 'cus_alice', amount: 15, transaction_id: pi.id })]);
  });

  test('a JWT may name its own customer explicitly', async () => {
    const token = await signJwt({ customer: 'cus_bob' });
    const res = await postTopUp(h, { ...BODY, customer_id: 'cus_bob' }, bearer(token));
    expect(res.status).toBe(201);
    expect(storedPaymentIntent(h, res.body.payment_intent_id).customer).toBe('cus_bob');
  });

  test('an API-key caller must name the customer', async () => {
    const res = await postTopUp(h, { amount: 1000, currency: 'usd' }, apiKeyAuth);
    expectApiError(res, 400, 'validation_failed', ['fields']);
    expect(res.body.error.fields.map((f: { field: string }) => f.field)).toEqual(['customer_id']);
    expect(h.stripe.requests).toEqual([]);
  });

  test.each([
    ['an expired exp', () => signJwt({ expiresAt: nowSeconds() - 120 })],
    ['a wrong issuer', () => signJwt({ issuer: 'https://evil.example.test/' })],
    ['a wrong audience', () => signJwt({ audience: 'someone-else' })],
    ['a wrong signature (other secret)', () => signJwt({ secret: 'another-secret-that-is-at-least-32-chars!!' })],
    ['a tampered payload', async () => {
      const [head, , sig] = (await signJwt({ customer: 'cus_alice' })).split('.');
      const payload = Buffer.from(
        JSON.stringify({ stripe_customer_id: 'cus_bob', iss: JWT_ISSUER, aud: JWT_AUDIENCE, exp: nowSeconds() + 600 }),
      ).toString('base64url');
      return `${head}.${payload}.${sig}`;
    }],
    ['no customer claim', () => signJwt({ customer: null })],
    ['the customer under another claim name', () => signJwt({ claim: 'customer' })],
    ['a customer claim that is not a Stripe id', () => signJwt({ customer: 'alice' })],
    ['alg "none" (unsigned)', () => Promise.resolve(unsignedJwt())],
    ['the API key used as the HMAC secret', () => signJwt({ secret: `${API_KEY}${API_KEY}` })],
  ])('defect 8: a JWT with %s → 401, nothing reaches Stripe', async (_label, makeToken) => {
    const token = await makeToken();
    const res = await postTopUp(h, { amount: 1000, currency: 'usd' }, bearer(token));
    expectApiError(res, 401, 'unauthenticated');
    expect(h.stripe.requests).toEqual([]);
    await settle(60);
    await expectNothingCredited(h);
  });

  test.each([
    ['in the body', { customer_id: 'cus_bob', amount: 1000, currency: 'usd' }],
    ['in the body, on-session', { customer_id: 'cus_bob', amount: 1000, currency: 'usd', flow: 'on_session' }],
  ])("defect 8: Alice's JWT asking to charge cus_bob %s → 403 forbidden, nothing charged", async (_label, body) => {
    const token = await signJwt({ customer: 'cus_alice' });
    const res = await postTopUp(h, body, bearer(token));
    expectApiError(res, 403, 'forbidden');
    expect(h.stripe.requests).toEqual([]);
    expect(h.stripe.paymentIntents.size).toBe(0);
    await settle(60);
    await expectNothingCredited(h);
  });
});

describe('GET /top-ups/:payment_intent_id authentication', () => {
  let h: Harness;
  let aliceTopUp: string;
  beforeEach(async () => {
    h = await startHarness();
    const res = await postTopUp(h, BODY, apiKeyAuth);
    expect(res.status).toBe(201);
    aliceTopUp = res.body.payment_intent_id;
    await waitForDelivered(h, aliceTopUp);
  });
  afterEach(async () => {
    await h.stop();
  });

  test.each([
    ['no Authorization header', undefined],
    ['a wrong API key', 'Bearer wrong-api-key-0123456789abcdef'],
    ['Basic credentials', `Basic ${Buffer.from(`u:${API_KEY}`).toString('base64')}`],
  ])('%s → 401, Stripe not asked', async (_label, authorization) => {
    const before = h.stripe.requests.length;
    const res = await getTopUp(h, aliceTopUp, authorization);
    expectApiError(res, 401, 'unauthenticated');
    expect(h.stripe.requests.length).toBe(before);
  });

  test("Bob's JWT cannot read Alice's top-up (404, indistinguishable from a missing one)", async () => {
    const bob = await signJwt({ customer: 'cus_bob' });
    const res = await getTopUp(h, aliceTopUp, bearer(bob));
    expectApiError(res, 404, 'not_found');
    const missing = await getTopUp(h, 'pi_doesnotexist123', bearer(bob));
    expectApiError(missing, 404, 'not_found');
    expect(res.body.error.message).toBe(missing.body.error.message);
  });

  test.each([
    ["Alice's JWT", () => signJwt({ customer: 'cus_alice' }).then(bearer)],
    ['the API key', () => Promise.resolve(apiKeyAuth)],
  ])("%s can read Alice's top-up", async (_label, auth) => {
    const res = await getTopUp(h, aliceTopUp, await auth());
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ payment_intent_id: aliceTopUp, customer_id: 'cus_alice', status: 'succeeded' });
  });
});

describe('JWT caller on a service without API keys', () => {
  test('an API-key-shaped bearer is refused when only JWTs are configured', async () => {
    const h = await startHarness({ env: { TOP_UP_API_KEYS: undefined } });
    try {
      const res = await postTopUp(h, BODY, apiKeyAuth);
      expectApiError(res, 401, 'unauthenticated');
      expect(h.stripe.requests).toEqual([]);
      const ok = await postTopUp(h, { amount: 1000, currency: 'usd' }, bearer(await signJwt()));
      expect(ok.status).toBe(201);
    } finally {
      await h.stop();
    }
  });
});
