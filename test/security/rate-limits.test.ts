import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { InProcessRateLimits } from '../../src/store/sqlite/sqlite-rate-limits.js';
import { dropSchema, postgresUnavailableReason, uniqueSchema, urlWithSchema } from '../store/postgres-available.js';
import { ALICE, BOB, startHarness, type Harness } from '../support/harness.js';
import { apiKeyAuth, bearer, expectApiError, getTopUp, paymentIntentPosts, postTopUp, signJwt } from '../top-ups/top-up-helpers.js';

/**
 * Issue 8, item 5: one browser user created 500 PaymentIntents in 1.5 s, spending the operator's
 * Stripe rate limit (per account: every customer suffers). Now: per caller (API key or user)
 * across the routes that call Stripe, and per customer on POST /top-up; 429 rate_limited with
 * Retry-After; counters in the store (shared by instances on PostgreSQL).
 */
const LIMITS = {
  RATE_LIMIT_TOP_UPS_PER_MINUTE: '3',
  RATE_LIMIT_USER_REQUESTS_PER_MINUTE: '6',
  RATE_LIMIT_API_KEY_REQUESTS_PER_MINUTE: '8',
};
const BODY = { amount: 1000, currency: 'usd' };

describe('issue 8 #5: rate limits', () => {
  let h: Harness;
  let offsetMs = 0;
  const keys: string[] = [];
  beforeAll(async () => {
    h = await startHarness({ env: { ...LIMITS, LOG_LEVEL: 'silent' }, customers: [ALICE, BOB], now: () => Date.now() + offsetMs });
    const store = h.service.store.rateLimits;
    const hit = store.hit.bind(store);
    store.hit = (key, windowMs, now) => {
      keys.push(key);
      return hit(key, windowMs, now);
    };
  });
  afterAll(async () => {
    await h.stop();
  });
  afterEach(() => {
    offsetMs += 61_000; // every test starts in fresh windows
  });

  it('one user firing 40 top-ups at once gets 3 PaymentIntents; the rest are 429 with Retry-After, in the one error shape', async () => {
    const token = await signJwt({ customer: 'cus_alice' });
    const before = paymentIntentPosts(h).length;
    const answers = await Promise.all(Array.from({ length: 40 }, () => postTopUp(h, BODY, bearer(token))));
    expect(answers.filter((r) => r.status === 201)).toHaveLength(3);
    const limited = answers.filter((r) => r.status === 429);
    expect(limited).toHaveLength(37);
    for (const res of limited) {
      expectApiError(res, 429, 'rate_limited', ['retry_after_seconds']);
      const retryAfter = Number(res.headers['retry-after']);
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(60);
      expect(res.body.error.retry_after_seconds).toBe(retryAfter);
    }
    expect(paymentIntentPosts(h).length - before).toBe(3);
  });

  it('the per-customer limit holds whoever asks: an API key cannot top up alice beyond it, but bob is unaffected', async () => {
    const token = await signJwt({ customer: 'cus_alice' });
    for (let i = 0; i < 3; i++) expect((await postTopUp(h, BODY, bearer(token))).status).toBe(201);
    expectApiError(await postTopUp(h, { ...BODY, customer_id: 'cus_alice' }, apiKeyAuth), 429, 'rate_limited', ['retry_after_seconds']);
    expect((await postTopUp(h, { ...BODY, customer_id: 'cus_bob' }, apiKeyAuth)).status).toBe(201);
  });

  it('the per-caller limit covers every route that calls Stripe (GET /top-ups/:id, GET /balance); a new window lets the caller in again', async () => {
    const token = await signJwt({ customer: 'cus_bob', subject: 'user_reader' });
    const created = await postTopUp(h, BODY, bearer(token));
    expect(created.status).toBe(201);
    for (let i = 0; i < 3; i++) expect((await getTopUp(h, created.body.payment_intent_id, bearer(token))).status).toBe(200);
    for (let i = 0; i < 2; i++) expect((await h.http.get('/balance').set('Authorization', bearer(token))).status).not.toBe(429);
    const stripeCalls = h.stripe.requests.length;
    expectApiError(await getTopUp(h, created.body.payment_intent_id, bearer(token)), 429, 'rate_limited', ['retry_after_seconds']);
    expectApiError(await h.http.get('/balance').set('Authorization', bearer(token)), 429, 'rate_limited', ['retry_after_seconds']);
    expect(h.stripe.requests.length).toBe(stripeCalls);

    offsetMs += 61_000;
    expect((await getTopUp(h, created.body.payment_intent_id, bearer(token))).status).toBe(200);
  });

  it('an API key has its own (higher) per-caller limit', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 9; i++) statuses.push((await h.http.get('/balance?customer_id=cus_bob').set('Authorization', apiKeyAuth)).status);
    expect(statuses.slice(0, 8).every((s) => s !== 429)).toBe(true);
    expect(statuses[8]).toBe(429);
  });

  it('unauthenticated requests are refused before any counter (they cannot use up a caller\'s limit)', async () => {
    const count = keys.length;
    for (let i = 0; i < 20; i++) expect((await postTopUp(h, BODY, 'Bearer not-a-key-0123456789abcdef')).status).toBe(401);
    expect(keys.length).toBe(count);
  });

  it('counter keys are bounded hashes, however long the caller\'s identity', async () => {
    // The longest subject a token may carry (255 characters); longer ones are refused (item 7).
    const token = await signJwt({ customer: 'cus_alice', subject: `user_${'s'.repeat(250)}` });
    expect((await postTopUp(h, BODY, bearer(token))).status).toBe(201);
    expect(keys.length).toBeGreaterThan(0);
    for (const key of keys) expect(key.length).toBeLessThanOrEqual(64);
    expect(keys.join('')).not.toContain('ssss');
  });
});

describe('issue 8 #5: in-process counters (SQLite) stay bounded', () => {
  it('ended windows are forgotten as new keys arrive', async () => {
    const limits = new InProcessRateLimits();
    const size = () => (limits as unknown as { windows: Map<string, unknown> }).windows.size;
    for (let i = 0; i < 30_000; i++) await limits.hit(`a${i}`, 1_000, 0);
    for (let i = 0; i < 30_000; i++) await limits.hit(`b${i}`, 1_000, 5_000);
    expect(size()).toBeLessThanOrEqual(45_000);
    expect((await limits.hit('b1', 1_000, 5_000)).hits).toBe(2);
  });
});

const unavailable = await postgresUnavailableReason();
describe.skipIf(unavailable !== null)('issue 8 #5: on PostgreSQL the limits hold across instances', () => {
  const schema = uniqueSchema('ratelimit');
  const instances: Harness[] = [];
  afterAll(async () => {
    for (const h of instances) await h.stop();
    await dropSchema(schema);
  });

  it('a user spreading top-ups over two instances gets the limit once, not once per instance', async () => {
    for (let i = 0; i < 2; i++) {
      instances.push(await startHarness({ env: { ...LIMITS, LOG_LEVEL: 'silent', DATABASE_URL: urlWithSchema(schema) }, startWorker: false }));
    }
    const [a, b] = instances as [Harness, Harness];
    const token = await signJwt({ customer: 'cus_alice' });
    const statuses = [];
    for (const h of [a, b, a, b, a, b]) statuses.push((await postTopUp(h, BODY, bearer(token))).status);
    expect(statuses).toEqual([201, 201, 201, 429, 429, 429]);
  });
});
