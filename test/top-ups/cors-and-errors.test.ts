import type { Response } from 'supertest';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { ALICE, BOB, startHarness, type Harness } from '../support/harness.js';
import { apiKeyAuth, bearer, expectApiError, getTopUp, postTopUp, signJwt } from './top-up-helpers.js';

const APP = 'https://app.example.com';
const EVIL = 'https://evil.example.com';
const BODY = { customer_id: 'cus_alice', amount: 1000, currency: 'usd' };

describe('CORS for the browser routes', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness({ env: { CORS_ALLOWED_ORIGINS: APP } });
  });
  afterEach(async () => {
    await h.stop();
  });

  const preflight = (path: string, origin: string) =>
    h.http
      .options(path)
      .set('Origin', origin)
      .set('Access-Control-Request-Method', path === '/top-up' ? 'POST' : 'GET')
      .set('Access-Control-Request-Headers', 'authorization,content-type,idempotency-key');

  test.each([['/top-up'], ['/top-ups/pi_123abc']])('a preflight for %s from the allowed origin is answered with its CORS headers', async (path) => {
    const res = await preflight(path, APP);
    expect(res.status).toBeGreaterThanOrEqual(200);
    expect(res.status).toBeLessThan(300);
    expect(res.headers['access-control-allow-origin']).toBe(APP);
    expect(res.headers['access-control-allow-methods']).toMatch(/POST/);
    const allowed = String(res.headers['access-control-allow-headers']).toLowerCase();
    for (const header of ['authorization', 'content-type', 'idempotency-key']) expect(allowed).toContain(header);
    expect(res.headers['access-control-allow-origin']).not.toBe('*');
    expect(h.stripe.requests).toEqual([]);
  });

  test.each([
    ['/top-up', EVIL],
    ['/top-ups/pi_123abc', EVIL],
    ['/top-up', 'https://app.example.com.evil.example'],
    ['/top-up', 'http://app.example.com'],
    ['/top-up', 'null'],
  ])('a preflight for %s from %s gets no Access-Control-Allow-Origin', async (path, origin) => {
    const res = await preflight(path, origin);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    expect(h.stripe.requests).toEqual([]);
  });

  test('a real request from the allowed origin carries Access-Control-Allow-Origin and exposes X-Request-Id', async () => {
    const token = await signJwt({ customer: 'cus_alice' });
    const res = await h.http.post('/top-up').set('Origin', APP).set('Authorization', bearer(token)).send({ amount: 1000, currency: 'usd' });
    expect(res.status).toBe(201);
    expect(res.headers['access-control-allow-origin']).toBe(APP);
    expect(String(res.headers['access-control-expose-headers']).toLowerCase()).toContain('x-request-id');
  });

  test('an error answered to the allowed origin is readable by the browser (CORS headers on the 401)', async () => {
    const res = await h.http.post('/top-up').set('Origin', APP).send(BODY);
    expectApiError(res, 401, 'unauthenticated');
    expect(res.headers['access-control-allow-origin']).toBe(APP);
  });

  test('a request from another origin gets no Access-Control-Allow-Origin', async () => {
    const res = await h.http.get('/top-ups/pi_123abc').set('Origin', EVIL).set('Authorization', apiKeyAuth);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('CORS off by default', () => {
  test('without CORS_ALLOWED_ORIGINS no origin is allowed', async () => {
    const h = await startHarness();
    try {
      const res = await h.http.options('/top-up').set('Origin', APP).set('Access-Control-Request-Method', 'POST');
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
      const post = await h.http.post('/top-up').set('Origin', APP).set('Authorization', apiKeyAuth).send(BODY);
      expect(post.status).toBe(201);
      expect(post.headers['access-control-allow-origin']).toBeUndefined();
    } finally {
      await h.stop();
    }
  });
});

describe('every error has the shape { error: { code, message, request_id } } and X-Request-Id', () => {
  let h: Harness;
  let aliceTopUp: string;
  beforeAll(async () => {
    h = await startHarness({
      customers: [ALICE, BOB, { id: 'cus_nocard', defaultPaymentMethod: null, paymentMethods: [], subscriptions: [] }],
    });
    const res = await postTopUp(h, BODY, apiKeyAuth, 'shape-key');
    aliceTopUp = res.body.payment_intent_id as string;
  });
  afterAll(async () => {
    await h.stop();
  });

  const cases: [string, number, string, string[], (h: Harness) => Promise<Response>][] = [
    ['no credentials', 401, 'unauthenticated', [], (h) => postTopUp(h, BODY, undefined)],
    ['a bad JWT', 401, 'unauthenticated', [], async (h) => postTopUp(h, BODY, bearer(await signJwt({ audience: 'x' })))],
    ['a bad body', 400, 'validation_failed', ['fields'], (h) => postTopUp(h, { ...BODY, amount: -1 }, apiKeyAuth)],
    ['bad JSON', 400, 'invalid_json', [], (h) => h.http.post('/top-up').set('Authorization', apiKeyAuth).set('Content-Type', 'application/json').send('{')],
    ['another customer', 403, 'forbidden', [], async (h) => postTopUp(h, { ...BODY, customer_id: 'cus_bob' }, bearer(await signJwt({ customer: 'cus_alice' })))],
    ['an unknown top-up', 404, 'not_found', [], (h) => getTopUp(h, 'pi_unknown000', apiKeyAuth)],
    ["someone else's top-up", 404, 'not_found', [], async (h) => getTopUp(h, aliceTopUp, bearer(await signJwt({ customer: 'cus_bob' })))],
    ['an unknown route', 404, 'not_found', [], (h) => h.http.get('/no-such-route')],
    ['a reused Idempotency-Key', 409, 'idempotency_key_reused', [], (h) => postTopUp(h, { ...BODY, amount: 5000 }, apiKeyAuth, 'shape-key')],
    ['a declined card', 402, 'card_declined', ['decline_code', 'payment_intent_id'], (h) => postTopUp(h, { ...BODY, payment_method: 'pm_card_chargeDeclined' }, apiKeyAuth)],
    ['a card needing 3-D Secure', 402, 'authentication_required', ['payment_intent_id', 'client_secret'], (h) => postTopUp(h, { ...BODY, payment_method: 'pm_card_authenticationRequired' }, apiKeyAuth)],
    ['no saved card', 422, 'no_payment_method', [], (h) => postTopUp(h, { ...BODY, customer_id: 'cus_nocard' }, apiKeyAuth)],
    ['an unknown customer', 422, 'customer_not_found', [], (h) => postTopUp(h, { ...BODY, customer_id: 'cus_ghost' }, apiKeyAuth)],
    ['a body too large', 413, 'payload_too_large', [], (h) => postTopUp(h, { ...BODY, subscription_id: 'y'.repeat(17_000) }, apiKeyAuth)],
  ];

  test.each(cases)('%s → %i %s', async (_label, status, code, details, send) => {
    const res = await send(h);
    expectApiError(res, status, code, details);
    expect(res.body.error.request_id).toMatch(/^req_[0-9a-f-]{36}$/);
  });

  test.each(cases)('%s: a sane caller X-Request-Id is echoed as request_id', async (_label, status, code, details, send) => {
    // Re-issue with a caller-chosen id: wrap the request builder by setting the header on a fresh request.
    const id = `trace-${code}-${status}`;
    const original = h.http;
    const withId = new Proxy(original, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver) as unknown;
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => (value as (...a: unknown[]) => { set(k: string, v: string): unknown }).apply(target, args).set('X-Request-Id', id);
      },
    });
    const res = await send({ ...h, http: withId } as Harness);
    expectApiError(res, status, code, details);
    expect(res.body.error.request_id).toBe(id);
  });

  test('an insane caller X-Request-Id is replaced, never reflected', async () => {
    const res = await h.http.get('/top-ups/pi_unknown000').set('Authorization', apiKeyAuth).set('X-Request-Id', 'x'.repeat(300));
    expectApiError(res, 404, 'not_found');
    expect(res.body.error.request_id).not.toContain('xxxx');
  });

  test('a success also carries X-Request-Id', async () => {
    const res = await getTopUp(h, aliceTopUp, apiKeyAuth);
    expect(res.status).toBe(200);
    expect(res.headers['x-request-id']).toMatch(/^req_/);
  });
});
