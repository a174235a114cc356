import { afterEach, describe, expect, it } from 'vitest';
import { AUTO_RECHARGE_TERMS_VERSION } from '../../src/billing-page/auto-recharge-terms.js';
import { hashToken } from '../../src/billing-page/billing-tokens.js';
import { signJwt } from '../top-ups/top-up-helpers.js';
import { API_KEY, BOB, waitFor, type Harness } from '../support/harness.js';
import { billingHarness, creditAlice, openSession, RETURN_URL, sessionCookie } from './billing-helpers.js';

/**
 * The page's history and auto-recharge API, sign-out and JWT-opened sessions, over HTTP. Every
 * response is checked against /openapi.json when the harness stops.
 */
describe('billing page: history, auto-recharge, sign-out, JWT sessions', () => {
  let h: Harness;
  let clock: { skew: number };
  afterEach(async () => h?.stop());
  const start = async (env: Record<string, string> = {}) => ({ h, clock } = await billingHarness(env));

  /** The CSRF token the page was rendered with. */
  const csrfOf = async (cookie: string) => /name="csrf-token" content="([^"]+)"/.exec((await h.http.get('/billing').set('Cookie', cookie)).text)![1]!;

  it('a session opened with a JWT ends at the token\'s exp, however recently it was used', async () => {
    await start();
    const now = Math.floor(Date.now() / 1000);
    const token = await signJwt({ customer: 'cus_alice', expiresAt: now + 120 });
    const opened = await h.http.post('/billing/open').set('Origin', 'https://app.example.com').type('form').send({ token, return_url: RETURN_URL });
    expect(opened.status).toBe(200);
    const maxAge = Number(/Max-Age=(\d+)/.exec(String(opened.headers['set-cookie']))![1]);
    expect(maxAge).toBeGreaterThan(100);
    expect(maxAge).toBeLessThanOrEqual(120);
    const cookie = sessionCookie(opened);

    clock.skew += 100_000;
    const used = await h.http.get('/billing').set('Cookie', cookie);
    expect(used.status).toBe(200);
    // Renewed, but not past exp: about 20 seconds left.
    expect(Number(/Max-Age=(\d+)/.exec(String(used.headers['set-cookie']))![1])).toBeLessThanOrEqual(21);

    clock.skew += 21_000;
    expect((await h.http.get('/billing').set('Cookie', cookie)).status).toBe(401);
    expect((await h.http.get('/billing/api/balance').set('Cookie', cookie)).status).toBe(401);

    // A link's session (no JWT) still slides for an hour.
    const linked = await openSession(h);
    clock.skew += 50 * 60_000;
    expect((await h.http.get('/billing').set('Cookie', linked)).status).toBe(200);
    clock.skew += 50 * 60_000;
    expect((await h.http.get('/billing').set('Cookie', linked)).status).toBe(200);
  });

  it('sign-out needs the CSRF token, removes the stored session and clears the cookie', async () => {
    await start();
    const cookie = await openSession(h);
    const csrf = await csrfOf(cookie);
    expect((await h.http.post('/billing/api/session/end').set('Cookie', cookie)).status).toBe(403);
    const ended = await h.http.post('/billing/api/session/end').set('Cookie', cookie).set('X-CSRF-Token', csrf);
    expect(ended.status).toBe(204);
    expect(ended.headers['set-cookie']).toEqual(['topup_billing=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0']);
    expect(await h.service.store.billingSessions.touchSession(hashToken(cookie.split('=')[1]!), Date.now(), Date.now() + 1)).toBeNull();
    expect((await h.http.get('/billing').set('Cookie', cookie)).status).toBe(401);
    expect((await h.http.get('/billing/api/ledger').set('Cookie', cookie)).status).toBe(401);
  });

  it('history: the session customer\'s ledger only, newest first, each entry once across pages, amounts as exact decimals', async () => {
    await start();
    for (const amount of [1000, 2550, 705]) await creditAlice(h, amount);
    const bob = await h.topUp({ customer_id: BOB.id, amount: 4200, currency: 'usd' });
    expect(bob.status).toBe(201);
    const cookie = await openSession(h);

    const first = await h.http.get('/billing/api/ledger?limit=2').set('Cookie', cookie);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ object: 'list', has_more: true });
    expect(first.body.data.map((e: { amount_decimal: string }) => e.amount_decimal)).toEqual(['7.05', '25.50']);
    expect(first.body.data[0]).toMatchObject({ kind: 'credit', source: 'top-up', currency: 'usd', amount: 705, credits: 7.05, state: 'delivered' });
    const second = await h.http.get(`/billing/api/ledger?limit=2&starting_after=${first.body.next_starting_after as string}`).set('Cookie', cookie);
    expect(second.body).toMatchObject({ has_more: false, next_starting_after: null });
    expect(second.body.data.map((e: { amount_decimal: string }) => e.amount_decimal)).toEqual(['10.00']);
    const ids = [...first.body.data, ...second.body.data].map((e: { id: string }) => e.id);
    expect(new Set(ids).size).toBe(3);
    expect(ids).not.toContain(bob.body.payment_intent_id);

    // Another customer's entry as a cursor, or a query the page never sends, is refused.
    expect((await h.http.get(`/billing/api/ledger?starting_after=${bob.body.payment_intent_id as string}`).set('Cookie', cookie)).status).toBe(400);
    expect((await h.http.get('/billing/api/ledger?customer_id=cus_bob').set('Cookie', cookie)).status).toBe(400);
  });

  it('auto-recharge: enabling needs the consent to the terms shown (stored as terms_version) and the CSRF token; the session decides whose setting it is', async () => {
    await start();
    await creditAlice(h, 1000);
    const cookie = await openSession(h);
    const csrf = await csrfOf(cookie);
    const initial = await h.http.get('/billing/api/auto-recharge').set('Cookie', cookie);
    expect(initial.status).toBe(200);
    expect(initial.body).toEqual({ terms: { version: AUTO_RECHARGE_TERMS_VERSION, text: expect.stringContaining('I authorize Acme credits to charge') }, setting: null });

    const form = { enabled: true, threshold: 5, mode: 'fixed', amount: 1000, currency: 'usd', monthly_cap: 5000 };
    const put = (body: Record<string, unknown>, token: string | null = csrf) => {
      const req = h.http.put('/billing/api/auto-recharge').set('Cookie', cookie);
      return (token ? req.set('X-CSRF-Token', token) : req).send(body);
    };
    expect((await put({ ...form, consent: { accepted: true, terms_version: AUTO_RECHARGE_TERMS_VERSION } }, null)).status).toBe(403);
    const noConsent = await put(form);
    expect(noConsent.status).toBe(400);
    expect(noConsent.body.error.fields).toEqual([{ field: 'consent', problem: expect.stringContaining('required to enable') }]);
    const stale = await put({ ...form, consent: { accepted: true, terms_version: 'an-older-version' } });
    expect(stale.status).toBe(400);
    expect(stale.body.error.fields).toEqual([{ field: 'consent.terms_version', problem: expect.stringContaining('the terms have changed') }]);
    const foreign = await put({ ...form, customer_id: 'cus_bob', consent: { accepted: true, terms_version: AUTO_RECHARGE_TERMS_VERSION } });
    expect(foreign.status).toBe(400);
    expect(foreign.body.error.fields).toEqual([{ field: 'customer_id', problem: 'set by the billing session, not by the page' }]);
    expect(await h.service.store.autoRecharge.get('sub_alice')).toBeNull();

    const saved = await put({ ...form, consent: { accepted: true, terms_version: AUTO_RECHARGE_TERMS_VERSION } });
    expect(saved.status).toBe(200);
    expect(saved.body.setting).toMatchObject({ customer_id: 'cus_alice', subscription_id: 'sub_alice', enabled: true, state: 'active', threshold: 5, amount: 1000 });
    const stored = await h.service.store.autoRecharge.get('sub_alice');
    expect(stored?.consent).toEqual({ termsVersion: AUTO_RECHARGE_TERMS_VERSION, acceptedAt: expect.any(Number), caller: expect.stringMatching(/^jwt:billing_session:[0-9a-f]{16}$/) });

    // Turning it off needs no consent; the page never sees a client secret.
    const off = await put({ ...form, enabled: false });
    expect(off.body.setting).toMatchObject({ enabled: false, state: 'disabled' });
    expect(JSON.stringify(off.body)).not.toContain('_secret_');
    // Nothing waits for 3-D Secure: there is nothing to complete.
    const complete = await h.http.post('/billing/api/auto-recharge/complete-payment').set('Cookie', cookie).set('X-CSRF-Token', csrf);
    expect(complete.status).toBe(404);
    await waitFor(async () => (await h.service.store.outbox.countByState()).pending === 0, 5_000, 'the outbox drained');
  });

  it('saves from the page share PUT /auto-recharge\'s per-customer limit on changes, whichever session or caller asks', async () => {
    await start({ RATE_LIMIT_TOP_UPS_PER_MINUTE: '2' });
    const form = { enabled: false, threshold: 5, mode: 'fixed', amount: 1000, currency: 'usd', monthly_cap: 5000 };
    const save = async (cookie: string, threshold: number) =>
      h.http.put('/billing/api/auto-recharge').set('Cookie', cookie).set('X-CSRF-Token', await csrfOf(cookie)).send({ ...form, threshold });
    const [one, two] = [await openSession(h), await openSession(h)];
    expect((await save(one, 6)).status).toBe(200);
    expect((await save(two, 7)).status).toBe(200);
    const third = await save(one, 8);
    expect(third.status).toBe(429);
    expect(third.body.error.code).toBe('rate_limited');
    const api = await h.http.put('/auto-recharge').set('Authorization', `Bearer ${API_KEY}`).send({ ...form, customer_id: 'cus_alice', threshold: 9 });
    expect(api.status).toBe(429);
    expect((await h.service.store.autoRecharge.get('sub_alice'))?.thresholdMicro).toBe(7_000_000);
  });
});
