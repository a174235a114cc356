import { afterEach, describe, expect, it } from 'vitest';
import { hashToken } from '../../src/billing-page/billing-tokens.js';
import { signJwt } from '../top-ups/top-up-helpers.js';
import type { Harness } from '../support/harness.js';
import { billingHarness, createSession, linkPath, RETURN_URL, sessionCookie } from './billing-helpers.js';

/** POST /billing-sessions and the single-use link it returns. */
describe('billing sessions', () => {
  let h: Harness;
  let clock: { skew: number };
  afterEach(async () => h?.stop());
  const start = async (env: Record<string, string> = {}) => ({ h, clock } = await billingHarness(env));

  it('an API key gets a 5-minute link on this origin; only its hash is stored', async () => {
    await start();
    const res = await createSession(h, { subscription_id: 'sub_alice', locale: 'de-de' });
    expect(res.status).toBe(201);
    const url = new URL(res.body.url as string);
    expect(url.origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const token = /^\/billing\/session\/([A-Za-z0-9_-]{43})$/.exec(url.pathname)?.[1];
    expect(token).toBeDefined();
    const expiresAt = res.body.expires_at as number;
    expect(Math.abs(expiresAt - (Date.now() + 300_000) / 1000)).toBeLessThan(60);
    // Only the hash opens it (and opening uses it up): the scope is the one asked for, locale canonical.
    expect(await h.service.store.billingSessions.redeemLink(token!, Date.now())).toBeNull();
    expect(await h.service.store.billingSessions.redeemLink(hashToken(token!), Date.now())).toEqual({
      customerId: 'cus_alice',
      subscriptionId: 'sub_alice',
      returnUrl: RETURN_URL,
      locale: 'de-DE',
    });
  });

  it('BILLING_PUBLIC_URL is the links’ origin when set', async () => {
    await start({ BILLING_PUBLIC_URL: 'https://billing.example.com' });
    const res = await createSession(h);
    expect(res.body.url).toMatch(/^https:\/\/billing\.example\.com\/billing\/session\/[A-Za-z0-9_-]{43}$/);
  });

  it.each([
    ['return_url', { return_url: 'https://evil.example.net/' }, /BILLING_RETURN_ORIGINS/],
    ['return_url', { return_url: 'javascript:alert(1)' }, /BILLING_RETURN_ORIGINS/],
    ['return_url', { return_url: 'http://app.example.com/account' }, /BILLING_RETURN_ORIGINS/],
    ['customer_id', { customer_id: 'alice' }, /cus_/],
    ['locale', { locale: 'not a locale!' }, /BCP 47/],
    ['extra', { extra: 1 }, /.+/],
  ])('a bad %s is a 400 naming it, and no link is made', async (field, body, problem) => {
    await start();
    const res = await createSession(h, body);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_failed');
    const named = (res.body.error.fields as { field: string; problem: string }[]).find((f) => f.field === field);
    expect(named?.problem).toMatch(problem);
    expect(await h.service.store.billingSessions.deleteExpired(Number.MAX_SAFE_INTEGER, 100)).toBe(0);
  });

  it('a subscription of another customer is refused (422) and no link is made', async () => {
    await start();
    const res = await createSession(h, { subscription_id: 'sub_bob' });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('subscription_not_owned');
    expect(await h.service.store.billingSessions.deleteExpired(Number.MAX_SAFE_INTEGER, 100)).toBe(0);
  });

  it('without BILLING_RETURN_ORIGINS no session can be made, and the reason says so', async () => {
    await start({ BILLING_RETURN_ORIGINS: '' });
    const res = await createSession(h);
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/BILLING_RETURN_ORIGINS is empty/);
  });

  it.each([
    ['no credentials', undefined, 401],
    ['a wrong key', 'Bearer wrong-key-0123456789abcdef', 401],
  ])('%s → %i', async (_what, auth, status) => {
    await start();
    const req = h.http.post('/billing-sessions').send({ customer_id: 'cus_alice', return_url: RETURN_URL });
    if (auth) req.set('Authorization', auth);
    expect((await req).status).toBe(status);
  });

  it('a browser (JWT) caller cannot make links, not even for its own customer', async () => {
    await start();
    const res = await createSession(h, {}, `Bearer ${await signJwt({ customer: 'cus_alice' })}`);
    expect(res.status).toBe(403);
  });

  it('opening the link sets an HttpOnly, SameSite=Strict, 1-hour cookie and moves on to /billing without the token', async () => {
    await start();
    const path = linkPath(await createSession(h));
    const opened = await h.http.get(path);
    expect(opened.status).toBe(200);
    const set = ([] as string[]).concat(opened.headers['set-cookie'] ?? [])[0]!;
    expect(set).toMatch(/^topup_billing=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=3600$/);
    expect(opened.text).toContain('<meta http-equiv="refresh" content="0;url=/billing">');
    expect(opened.text).not.toContain(path.split('/').pop()!);
    expect(opened.headers['referrer-policy']).toBe('no-referrer');
    expect(opened.headers['cache-control']).toBe('no-store');
  });

  it('neither the link token nor the session cookie is ever logged', async () => {
    await start({ LOG_LEVEL: 'debug' });
    const path = linkPath(await createSession(h));
    const cookie = sessionCookie(await h.http.get(path));
    await h.http.get(path);
    await h.http.get('/billing').set('Cookie', cookie);
    await h.http.get('/billing/api/balance').set('Cookie', cookie);
    expect(h.logs.text).toContain('/billing/session/…');
    expect(h.logs.text).not.toContain(path.split('/').pop()!);
    expect(h.logs.text).not.toContain(cookie.split('=')[1]!);
  });

  it('outside localhost the cookie is Secure and host-bound (__Host-)', async () => {
    await start();
    const path = linkPath(await createSession(h));
    const opened = await h.http.get(path).set('Host', 'billing.example.com');
    const set = ([] as string[]).concat(opened.headers['set-cookie'] ?? [])[0]!;
    expect(set).toMatch(/^__Host-topup_billing=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=3600; Secure$/);
  });

  it('a used, expired, unknown or malformed link all get the same 410 page, and no cookie', async () => {
    await start();
    const used = linkPath(await createSession(h));
    expect((await h.http.get(used)).status).toBe(200);
    const expired = linkPath(await createSession(h));
    clock.skew += 300_001;
    const answers = await Promise.all(
      [used, expired, `/billing/session/${'A'.repeat(43)}`, '/billing/session/short', '/billing/session/%3Cscript%3E'].map((p) => h.http.get(p)),
    );
    for (const a of answers) {
      expect(a.status).toBe(410);
      expect(a.headers['set-cookie']).toBeUndefined();
      expect(a.text).toBe(answers[0]!.text);
      expect(a.text).not.toMatch(/cus_|sub_|expired at|used at/);
    }
  });

  it('expired links and sessions are swept as new ones are made', async () => {
    await start();
    await createSession(h);
    const opened = await h.http.get(linkPath(await createSession(h)));
    expect(opened.status).toBe(200);
    clock.skew += 2 * 60 * 60_000;
    // One unopened link, one used link and one idle session have expired: making the next removes them.
    await h.http.get(linkPath(await createSession(h)));
    expect(await h.service.store.billingSessions.deleteExpired(Date.now() + clock.skew, 100)).toBe(0);
  });

  it('a JWT frontend opens its own page by posting its token from an allowed origin', async () => {
    await start();
    const token = await signJwt({ customer: 'cus_alice' });
    const form = (fields: Record<string, string>, origin = 'https://app.example.com') =>
      h.http.post('/billing/open').set('Origin', origin).type('form').send({ token, return_url: RETURN_URL, ...fields });

    const opened = await form({});
    expect(opened.status).toBe(200);
    const cookie = sessionCookie(opened);
    const page = await h.http.get('/billing').set('Cookie', cookie);
    expect(page.status).toBe(200);
    expect(page.text).toContain(`href="${RETURN_URL}"`);

    expect((await form({}, 'https://evil.example.net')).status).toBe(403);
    expect((await form({ return_url: 'https://evil.example.net/' })).status).toBe(400);
    expect((await form({ subscription_id: 'sub_bob' })).status).toBe(403);
    expect((await form({ token: 'test-api-key-0123456789abcdef' })).status).toBe(401);
    expect((await form({ token: await signJwt({ customer: 'cus_alice', secret: 'another-secret-that-is-32-characters-long' }) })).status).toBe(401);
  });
});
