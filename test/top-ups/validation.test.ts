import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { startHarness, type Harness } from '../support/harness.js';
import { apiKeyAuth, badFields, bearer, expectApiError, postTopUp, signJwt } from './top-up-helpers.js';

const OK = { customer_id: 'cus_alice', amount: 1000, currency: 'usd' };

describe('POST /top-up validation (defect 8: amount and currency are checked)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.stop();
  });
  beforeEach(() => {
    h.stripe.requests.length = 0;
  });

  const cases: [string, Record<string, unknown>, string[]][] = [
    ['amount missing', { customer_id: 'cus_alice', currency: 'usd' }, ['amount']],
    ['amount 10.5 (not an integer)', { ...OK, amount: 10.5 }, ['amount']],
    ['amount -5', { ...OK, amount: -5 }, ['amount']],
    ['amount 0', { ...OK, amount: 0 }, ['amount']],
    ["amount '1000' (a string)", { ...OK, amount: '1000' }, ['amount']],
    ['amount null', { ...OK, amount: null }, ['amount']],
    ['amount above Stripe’s 8 digits', { ...OK, amount: 100_000_000 }, ['amount']],
    ['currency missing', { customer_id: 'cus_alice', amount: 1000 }, ['currency']],
    ["currency 'USD' (upper case)", { ...OK, currency: 'USD' }, ['currency']],
    ["currency 'gbp' (not in TOP_UP_CURRENCIES)", { ...OK, currency: 'gbp' }, ['currency']],
    ['49 usd (below the 50 minimum)', { ...OK, amount: 49 }, ['amount']],
    ['49 eur (below the 50 minimum)', { ...OK, amount: 49, currency: 'eur' }, ['amount']],
    ['49 jpy (below the 50 minimum)', { ...OK, amount: 49, currency: 'jpy' }, ['amount']],
    ['kwd 1235 (three-decimal must end in 0)', { ...OK, amount: 1235, currency: 'kwd' }, ['amount']],
    ['isk 150 (must end in 00)', { ...OK, amount: 150, currency: 'isk' }, ['amount']],
    ['an unknown extra field', { ...OK, extra: 'x' }, ['extra']],
    ["customer_id 'alice' (not cus_…)", { ...OK, customer_id: 'alice' }, ['customer_id']],
    ['customer_id a number', { ...OK, customer_id: 42 }, ['customer_id']],
    ["flow 'later'", { ...OK, flow: 'later' }, ['flow']],
    ["payment_method 'visa' (not pm_…)", { ...OK, payment_method: 'visa' }, ['payment_method']],
    ['subscription_id empty', { ...OK, subscription_id: '' }, ['subscription_id']],
    [
      'several bad fields at once',
      { customer_id: 'alice', amount: '1000', currency: 'USD', flow: 'later' },
      ['customer_id', 'amount', 'currency', 'flow'],
    ],
    ['amount and currency both missing', { customer_id: 'cus_alice' }, ['amount', 'currency']],
    ['two unknown fields', { ...OK, foo: 1, bar: 2 }, ['foo', 'bar']],
    ['an unknown field and a bad amount', { ...OK, amount: 10.5, extra: true }, ['amount', 'extra']],
  ];

  test.each(cases)('%s → 400 validation_failed naming the field(s), nothing reaches Stripe', async (_label, body, fields) => {
    const res = await postTopUp(h, body, apiKeyAuth);
    expectApiError(res, 400, 'validation_failed', ['fields']);
    const named = badFields(res);
    for (const field of fields) expect(named, `fields: ${JSON.stringify(res.body.error.fields)}`).toContain(field);
    // Every reported field is a real problem of this body, each with an explanation.
    expect(new Set(named)).toEqual(new Set(fields));
    for (const f of res.body.error.fields as { field: string; problem: string }[]) {
      expect(typeof f.problem).toBe('string');
      expect(f.problem.length).toBeGreaterThan(0);
    }
    expect(h.stripe.requests).toEqual([]);
  });

  test.each([
    ['truncated JSON', '{"customer_id":"cus_alice","amount":1000'],
    ['not JSON at all', 'amount=1000&currency=usd'],
    ['a JSON string', '"hello"'],
    ['trailing comma', '{"amount":1000,}'],
  ])('malformed body (%s) → 400 invalid_json, nothing reaches Stripe', async (_label, raw) => {
    const res = await h.http.post('/top-up').set('Authorization', apiKeyAuth).set('Content-Type', 'application/json').send(raw);
    expectApiError(res, 400, 'invalid_json');
    expect(h.stripe.requests).toEqual([]);
  });

  test.each([
    ['a JSON array', '[{"amount":1000}]', 'validation_failed'],
    ['JSON null', 'null', 'invalid_json'],
  ])('a body that is %s (%s) → 400 %s, nothing reaches Stripe', async (_label, raw, code) => {
    const res = await h.http.post('/top-up').set('Authorization', apiKeyAuth).set('Content-Type', 'application/json').send(raw);
    expectApiError(res, 400, code, code === 'validation_failed' ? ['fields'] : []);
    expect(h.stripe.requests).toEqual([]);
  });

  test('no body at all → 400 validation_failed', async () => {
    const res = await h.http.post('/top-up').set('Authorization', apiKeyAuth);
    expectApiError(res, 400, 'validation_failed', ['fields']);
    expect(h.stripe.requests).toEqual([]);
  });

  test('a body over 16 kB → 413 payload_too_large', async () => {
    const res = await postTopUp(h, { ...OK, subscription_id: 'x'.repeat(20_000) }, apiKeyAuth);
    expectApiError(res, 413, 'payload_too_large');
    expect(h.stripe.requests).toEqual([]);
  });

  test.each([
    ['201 characters', 'k'.repeat(201)],
    ['a space', 'my key'],
    ['a non-ASCII character', 'cl\u00e9'],
  ])('an Idempotency-Key with %s → 400 naming Idempotency-Key, nothing reaches Stripe', async (_label, key) => {
    const res = await postTopUp(h, OK, apiKeyAuth, key);
    expectApiError(res, 400, 'validation_failed', ['fields']);
    expect(badFields(res)).toEqual(['Idempotency-Key']);
    expect(h.stripe.requests).toEqual([]);
  });

  test('a JWT caller gets the same validation', async () => {
    const token = await signJwt({ customer: 'cus_alice' });
    const res = await postTopUp(h, { amount: 49, currency: 'gbp', surprise: 1 }, bearer(token));
    expectApiError(res, 400, 'validation_failed', ['fields']);
    expect(new Set(badFields(res))).toEqual(new Set(['currency', 'surprise']));
    expect(h.stripe.requests).toEqual([]);
  });
});

describe('POST /top-up: amounts at the edges of the rules are accepted', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.stop();
  });

  test.each([
    ['50 usd (the minimum)', { ...OK, amount: 50 }],
    ['kwd 1230', { ...OK, amount: 1230, currency: 'kwd' }],
    ['isk 500', { ...OK, amount: 500, currency: 'isk' }],
    ['jpy 50', { ...OK, amount: 50, currency: 'jpy' }],
    ['flow off_session explicitly', { ...OK, flow: 'off_session' }],
  ])('%s is accepted', async (_label, body) => {
    const res = await postTopUp(h, body, apiKeyAuth);
    expect(res.status, res.text).toBe(201);
    expect(h.stripe.paymentIntents.get(res.body.payment_intent_id)).toMatchObject({ amount: body.amount, currency: body.currency });
  });

});

describe('POST /top-up: the operator’s configured bounds', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness({ env: { TOP_UP_MIN_AMOUNTS: 'usd:500', TOP_UP_MAX_AMOUNTS: 'usd:100000,jpy:20000' } });
  });
  afterEach(async () => {
    await h.stop();
  });

  test.each([
    [499, 'usd', 400],
    [500, 'usd', 201],
    [100_000, 'usd', 201],
    [100_001, 'usd', 400],
    [20_001, 'jpy', 400],
    [20_000, 'jpy', 201],
    // eur has no configured bounds: Stripe's minimum only.
    [50, 'eur', 201],
  ])('%i %s → %i', async (amount, currency, status) => {
    const res = await postTopUp(h, { ...OK, amount, currency }, apiKeyAuth);
    expect(res.status, res.text).toBe(status);
    if (status === 400) {
      expectApiError(res, 400, 'validation_failed', ['fields']);
      expect(badFields(res)).toEqual(['amount']);
      expect(h.stripe.requests).toEqual([]);
    } else {
      expect(h.stripe.paymentIntents.get(res.body.payment_intent_id)?.amount).toBe(amount);
    }
  });
});
