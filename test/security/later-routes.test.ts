import { afterAll, afterEach, beforeAll, describe, expect, it, test } from 'vitest';
import { csrfTokenFor } from '../../src/billing-page/billing-tokens.js';
import { BILLING_ENV, createSession, linkPath, RETURN_URL, sessionCookie } from '../billing-page/billing-helpers.js';
import { CANCEL_URL, SUCCESS_URL } from '../checkout/checkout-helpers.js';
import { dropSchema, postgresUnavailableReason, uniqueSchema, urlWithSchema } from '../store/postgres-available.js';
import { ALICE, BOB, startHarness, type Harness } from '../support/harness.js';
import { apiKeyAuth, badFields, bearer, expectApiError, paymentIntentPosts, postTopUp, signJwt } from '../top-ups/top-up-helpers.js';

/**
 * Issue 8, items 2, 5 and 6, on the routes added after it: hosted checkout (POST /top-up/checkout),
 * auto-recharge (PUT /auto-recharge), billing sessions (POST /billing-sessions, POST
 * /billing/open) and the billing page's own checkout (POST /billing/api/checkout). Each takes
 * only the caller's own subscriptions, only Stripe-shaped ids and no control characters, and is
 * rate limited per caller and, where it can cost a charge or a Checkout Session, per customer.
 */
const LIMITS = {
  RATE_LIMIT_TOP_UPS_PER_MINUTE: '3',
  RATE_LIMIT_USER_REQUESTS_PER_MINUTE: '6',
  RATE_LIMIT_API_KEY_REQUESTS_PER_MINUTE: '8',
};
/** The page's own origin is one checkout may return to (CHECKOUT_RETURN_ORIGINS has it). */
const BILLING = { ...BILLING_ENV, BILLING_PUBLIC_URL: 'http://localhost:3000' };
const ORIGIN = 'https://app.example.com';

const checkoutPosts = (h: Harness) => h.stripe.requests.filter((r) => r.method === 'POST' && r.path === '/v1/checkout/sessions');
const storedBillingRows = (h: Harness) => h.service.store.billingSessions.deleteExpired(Number.MAX_SAFE_INTEGER, 1_000);

function postCheckout(h: Harness, body: Record<string, unknown>, authorization: string) {
  return h.http.post('/top-up/checkout').set('Authorization', authorization).send({ success_url: SUCCESS_URL, cancel_url: CANCEL_URL, ...body });
}

function putAutoRecharge(h: Harness, body: Record<string, unknown>, authorization: string) {
  return h.http.put('/auto-recharge').set('Authorization', authorization).send({
    enabled: true,
    threshold: 10,
    mode: 'fixed',
    amount: 1000,
    currency: 'usd',
    monthly_cap: 10_000,
    consent: { accepted: true, terms_version: '2026-03' },
    ...body,
  });
}

/** A billing page session for alice, opened from a fresh link: its cookie and CSRF token. */
async function billingSession(h: Harness): Promise<{ cookie: string; csrf: string }> {
  const opened = await h.http.get(linkPath(await createSession(h)));
  expect(opened.status).toBe(200);
  const cookie = sessionCookie(opened);
  return { cookie, csrf: csrfTokenFor(cookie.slice(cookie.indexOf('=') + 1)) };
}

function billingCheckout(h: Harness, session: { cookie: string; csrf: string }, body: Record<string, unknown>, key: string) {
  return h.http.post('/billing/api/checkout').set('Cookie', session.cookie).set('X-CSRF-Token', session.csrf).set('Idempotency-Key', key).send(body);
}

describe('issue 8 #2 on the later routes: only the customer\'s own subscription', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ env: { LOG_LEVEL: 'silent' }, customers: [ALICE, BOB] });
  });
  afterAll(async () => {
    await h.stop();
  });

  it('POST /top-up/checkout naming bob\'s subscription: 403 for alice\'s JWT, 422 for an API key; no Checkout Session', async () => {
    const token = await signJwt({ customer: 'cus_alice' });
    expectApiError(await postCheckout(h, { amount: 1000, currency: 'usd', subscription_id: 'sub_bob' }, bearer(token)), 403, 'forbidden');
    const res = await postCheckout(h, { customer_id: 'cus_alice', amount: 1000, currency: 'usd', subscription_id: 'sub_bob' }, apiKeyAuth);
    expectApiError(res, 422, 'subscription_not_owned', ['param']);
    expect(res.body.error.param).toBe('subscription_id');
    expect(checkoutPosts(h)).toEqual([]);
  });

  it('PUT /auto-recharge naming bob\'s subscription: 403 for alice\'s JWT, 422 for an API key; nothing stored', async () => {
    const token = await signJwt({ customer: 'cus_alice' });
    expectApiError(await putAutoRecharge(h, { subscription_id: 'sub_bob' }, bearer(token)), 403, 'forbidden');
    expectApiError(await putAutoRecharge(h, { customer_id: 'cus_alice', subscription_id: 'sub_bob' }, apiKeyAuth), 422, 'subscription_not_owned', ['param']);
    expect(await h.service.store.autoRecharge.get('sub_bob')).toBeNull();
    expect(await h.service.store.autoRecharge.get('sub_alice')).toBeNull();
  });
});

const pgUnavailable = await postgresUnavailableReason();
const schema = uniqueSchema('later_ids');
const stores: [string, () => string | undefined][] = [['SQLite', () => undefined]];
if (!pgUnavailable) stores.push(['PostgreSQL', () => urlWithSchema(schema)]);

describe.each(stores)('issue 8 #6 on %s, on the later routes: Stripe-shaped ids and no control characters', (_store, databaseUrl) => {
  let h: Harness;
  let pack: string;
  beforeAll(async () => {
    const url = databaseUrl();
    h = await startHarness({ env: { LOG_LEVEL: 'silent', ...BILLING, ...(url ? { DATABASE_URL: url } : {}) }, customers: [ALICE, BOB] });
    pack = h.stripe.addPrice({ unitAmount: 10000, currency: 'usd', credits: '11000', name: 'Bonus pack' });
  });
  afterAll(async () => {
    await h.stop();
    if (databaseUrl()) await dropSchema(schema);
  });
  afterEach(() => {
    expect(paymentIntentPosts(h)).toEqual([]);
    expect(checkoutPosts(h)).toEqual([]);
  });

  const AMOUNT = { customer_id: 'cus_alice', amount: 1000, currency: 'usd' };
  test.each([
    ['pack that is a product id', { customer_id: 'cus_alice', pack: 'prod_123' }, 'pack'],
    ['pack with a path in it', { customer_id: 'cus_alice', pack: 'price_a/../b' }, 'pack'],
    ['pack with a NUL', { customer_id: 'cus_alice', pack: 'price_a\u0000' }, 'pack'],
    ['subscription_id ".."', { ...AMOUNT, subscription_id: '..' }, 'subscription_id'],
    ['a NUL in customer_id', { ...AMOUNT, customer_id: 'cus_alice\u0000' }, 'customer_id'],
    ['a NUL in success_url', { ...AMOUNT, success_url: `${SUCCESS_URL}\u0000` }, 'success_url'],
    ['a newline in cancel_url', { ...AMOUNT, cancel_url: `${CANCEL_URL}\n` }, 'cancel_url'],
  ])('POST /top-up/checkout with %s → 400 naming it', async (_what, body, field) => {
    const res = await postCheckout(h, body, apiKeyAuth);
    expectApiError(res, 400, 'validation_failed', ['fields']);
    expect(badFields(res)).toEqual([field]);
  });

  test.each([
    ['a pack that is not a price id', { pack: 'plan_123' }],
    ['a pack with a NUL', { pack: 'price_x\u0000' }],
  ])('POST /top-up with %s → 400 naming pack', async (_what, body) => {
    const res = await postTopUp(h, { customer_id: 'cus_alice', ...body }, apiKeyAuth);
    expectApiError(res, 400, 'validation_failed', ['fields']);
    expect(badFields(res)).toEqual(['pack']);
  });

  test.each([
    ['payment_method with a NUL', { payment_method: 'pm_card_visa\u0000' }, 'payment_method'],
    ['payment_method "pm_../x"', { payment_method: 'pm_../x' }, 'payment_method'],
    ['payment_method that is a PaymentIntent', { payment_method: 'pi_123' }, 'payment_method'],
    ['subscription_id "sub_.."', { subscription_id: 'sub_..' }, 'subscription_id'],
    ['an escape character in the consent\'s terms_version', { consent: { accepted: true, terms_version: 'v1\u001b[2J' } }, 'consent.terms_version'],
  ])('PUT /auto-recharge with %s → 400 naming it; nothing stored', async (_what, body, field) => {
    const res = await putAutoRecharge(h, { customer_id: 'cus_alice', ...body }, apiKeyAuth);
    expectApiError(res, 400, 'validation_failed', ['fields']);
    expect(badFields(res)).toEqual([field]);
    expect(await h.service.store.autoRecharge.get('sub_alice')).toBeNull();
  });

  test.each([
    ['a NUL in return_url', { return_url: `${RETURN_URL}\u0000` }, 'return_url'],
    ['a tab in return_url (which URL parsing would silently drop)', { return_url: `${RETURN_URL}\tx` }, 'return_url'],
    ['a NUL in customer_id', { customer_id: 'cus_alice\u0000' }, 'customer_id'],
    ['subscription_id ".."', { subscription_id: '..' }, 'subscription_id'],
    ['a control character in locale', { locale: 'en\u0000' }, 'locale'],
  ])('POST /billing-sessions with %s → 400 naming it; no link stored', async (_what, body, field) => {
    const res = await createSession(h, body);
    expectApiError(res, 400, 'validation_failed', ['fields']);
    expect(badFields(res)).toEqual([field]);
    expect(await storedBillingRows(h)).toBe(0);
  });

  test.each([
    ['a NUL in return_url', { return_url: `${RETURN_URL}\u0000` }],
    ['a tab in return_url', { return_url: `${RETURN_URL}\tx` }],
    ['a NUL in subscription_id', { subscription_id: 'sub_alice\u0000' }],
  ])('POST /billing/open with %s → 400 page; no session stored', async (_what, fields) => {
    await storedBillingRows(h);
    const token = await signJwt({ customer: 'cus_alice' });
    const form = new URLSearchParams({ token, return_url: RETURN_URL, ...fields }).toString();
    const res = await h.http.post('/billing/open').set('Origin', ORIGIN).type('form').send(form);
    expect(res.status, res.text).toBe(400);
    expect(res.headers['set-cookie']).toBeUndefined();
    expect(await storedBillingRows(h)).toBe(0);
  });

  it('POST /billing/open with a well-formed form opens a session (control)', async () => {
    const token = await signJwt({ customer: 'cus_alice' });
    const form = new URLSearchParams({ token, return_url: RETURN_URL }).toString();
    const res = await h.http.post('/billing/open').set('Origin', ORIGIN).type('form').send(form);
    expect(res.status, res.text).toBe(200);
    expect(res.headers['set-cookie']).toHaveLength(1);
    expect(await storedBillingRows(h)).toBe(1);
  });

  test.each([
    ['a product id as pack', { pack: 'prod_123' }],
    ['a NUL in pack', { pack: 'price_x\u0000' }],
    ['a path in pack', { pack: 'price_../x' }],
  ])('POST /billing/api/checkout with %s → 400 naming pack', async (_what, body) => {
    const session = await billingSession(h);
    const res = await billingCheckout(h, session, body, `bad-${Math.random()}`);
    expectApiError(res, 400, 'validation_failed', ['fields']);
    expect(badFields(res)).toEqual(['pack']);
  });

  it('POST /billing/api/checkout with the real pack starts a Checkout Session (control)', async () => {
    const session = await billingSession(h);
    const res = await billingCheckout(h, session, { pack }, 'good-1');
    expect(res.status, res.text).toBe(201);
    expect(checkoutPosts(h)).toHaveLength(1);
    h.stripe.requests.length = 0;
  });
});

describe('issue 8 #5 on the later routes: rate limits', () => {
  let h: Harness;
  let offsetMs = 0;
  let pack: string;
  beforeAll(async () => {
    h = await startHarness({ env: { ...LIMITS, ...BILLING, LOG_LEVEL: 'silent' }, customers: [ALICE, BOB], now: () => Date.now() + offsetMs });
    pack = h.stripe.addPrice({ unitAmount: 10000, currency: 'usd', credits: '11000', name: 'Bonus pack' });
  });
  afterAll(async () => {
    await h.stop();
  });
  afterEach(() => {
    offsetMs += 61_000; // every test starts in fresh windows
  });

  it('POST /top-up/checkout shares the per-customer top-up limit with POST /top-up: 2 top-ups + 1 checkout, then 429, no 2nd session', async () => {
    const token = await signJwt({ customer: 'cus_alice' });
    for (let i = 0; i < 2; i++) expect((await postTopUp(h, { amount: 1000, currency: 'usd' }, bearer(token))).status).toBe(201);
    const before = checkoutPosts(h).length;
    expect((await postCheckout(h, { pack }, bearer(token))).status).toBe(201);
    const limited = await postCheckout(h, { pack }, bearer(token));
    expectApiError(limited, 429, 'rate_limited', ['retry_after_seconds']);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    // An API key acting for alice is held by the same per-customer count.
    expectApiError(await postCheckout(h, { customer_id: 'cus_alice', pack }, apiKeyAuth), 429, 'rate_limited', ['retry_after_seconds']);
    expect(checkoutPosts(h).length - before).toBe(1);
    // Bob is unaffected.
    expect((await postCheckout(h, { customer_id: 'cus_bob', pack }, apiKeyAuth)).status).toBe(201);
  });

  it('POST /top-up/checkout counts against the caller\'s per-minute limit (a JWT user: 6)', async () => {
    const token = await signJwt({ customer: 'cus_alice', subject: 'user_browsing' });
    for (let i = 0; i < 6; i++) await h.http.get('/balance').set('Authorization', bearer(token));
    const before = checkoutPosts(h).length;
    expectApiError(await postCheckout(h, { pack }, bearer(token)), 429, 'rate_limited', ['retry_after_seconds']);
    expect(checkoutPosts(h).length).toBe(before);
  });

  it('PUT /auto-recharge: at most RATE_LIMIT_TOP_UPS_PER_MINUTE changes per customer, whoever asks', async () => {
    const token = await signJwt({ customer: 'cus_alice', subject: 'user_editor' });
    for (let i = 0; i < 3; i++) expect((await putAutoRecharge(h, { threshold: 10 + i }, bearer(token))).status).toBe(200);
    expectApiError(await putAutoRecharge(h, { threshold: 20 }, bearer(token)), 429, 'rate_limited', ['retry_after_seconds']);
    expectApiError(await putAutoRecharge(h, { customer_id: 'cus_alice', threshold: 21 }, apiKeyAuth), 429, 'rate_limited', ['retry_after_seconds']);
    expect((await h.service.store.autoRecharge.get('sub_alice'))?.thresholdMicro).toBe(12_000_000);
    expect(await h.service.store.autoRecharge.history('sub_alice', 10)).toHaveLength(3);
  });

  it('POST /billing-sessions: an API key gets its per-minute limit (8); the 9th link is not made', async () => {
    const before = await storedBillingRows(h);
    expect(before).toBe(0);
    for (let i = 0; i < 8; i++) expect((await createSession(h)).status).toBe(201);
    expectApiError(await createSession(h), 429, 'rate_limited', ['retry_after_seconds']);
    expect(await storedBillingRows(h)).toBe(8);
  });

  it('POST /billing/open: a JWT user opens billing at most RATE_LIMIT_USER_REQUESTS_PER_MINUTE times; beyond, a 429 page and no session', async () => {
    await storedBillingRows(h);
    const token = await signJwt({ customer: 'cus_alice', subject: 'user_opener' });
    const form = new URLSearchParams({ token, return_url: RETURN_URL }).toString();
    const answers = [];
    for (let i = 0; i < 7; i++) answers.push(await h.http.post('/billing/open').set('Origin', ORIGIN).type('form').send(form));
    expect(answers.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 200, 429]);
    expect(Number(answers[6]!.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(answers[6]!.headers['set-cookie']).toBeUndefined();
    expect(await storedBillingRows(h)).toBe(6);
  });

  it('the billing page\'s API: a customer\'s sessions share one per-minute allowance (a new session is not more calls to Stripe and Moesif)', async () => {
    const first = await billingSession(h);
    const second = await billingSession(h);
    const balance = (s: { cookie: string }) => h.http.get('/billing/api/balance').set('Cookie', s.cookie);
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await balance(first)).status);
    for (let i = 0; i < 3; i++) statuses.push((await balance(second)).status);
    expect(statuses.slice(0, 6).every((s) => s !== 429)).toBe(true);
    expect(statuses[6]).toBe(429);
    // Bob's page is unaffected.
    const bobLink = await createSession(h, { customer_id: 'cus_bob' });
    const bob = sessionCookie(await h.http.get(linkPath(bobLink)));
    expect((await h.http.get('/billing/api/balance').set('Cookie', bob)).status).not.toBe(429);
  });

  it('POST /billing/api/checkout: the per-customer limit holds across billing sessions (a new session is not a new allowance)', async () => {
    // Links made by the operator's backend in earlier windows, one session per "open billing" click.
    const sessions = [];
    for (let i = 0; i < 4; i++) {
      sessions.push(await billingSession(h));
      offsetMs += 61_000;
    }
    const before = checkoutPosts(h).length;
    const statuses = [];
    for (const [i, session] of sessions.entries()) statuses.push((await billingCheckout(h, session, { pack }, `click-${i}`)).status);
    expect(statuses).toEqual([201, 201, 201, 429]);
    expect(checkoutPosts(h).length - before).toBe(3);
    // … and with POST /top-up: alice's server-side top-up waits for the next window too.
    expectApiError(await postTopUp(h, { customer_id: 'cus_alice', amount: 1000, currency: 'usd' }, apiKeyAuth), 429, 'rate_limited', ['retry_after_seconds']);
  });
});
