import { afterEach, describe, expect, it } from 'vitest';
import { csrfTokenFor } from '../../src/billing-page/billing-tokens.js';
import type { Harness } from '../support/harness.js';
import { billingHarness, creditAlice, openSession, RETURN_URL } from './billing-helpers.js';

const tokenOf = (cookie: string) => cookie.split('=')[1]!;

/** GET /billing, its assets and its API, as the session cookie opens them. */
describe('billing page', () => {
  let h: Harness;
  let clock: { skew: number };
  afterEach(async () => h?.stop());
  const start = async (env: Record<string, string> = {}) => ({ h, clock } = await billingHarness(env));

  it('renders the branded page with the back link, the CSRF token and only the sections the service supports', async () => {
    // No origin hosted checkout may return to (CHECKOUT_RETURN_ORIGINS, BILLING_PUBLIC_URL): no buy section.
    await start({ BILLING_BRAND_COLOR: '#ffcc00', BILLING_LOGO_URL: 'https://cdn.example.com/logo.png', CHECKOUT_RETURN_ORIGINS: '' });
    const cookie = await openSession(h);
    const page = await h.http.get('/billing').set('Cookie', cookie);
    expect(page.status).toBe(200);
    expect(page.text).toContain('<title>Acme credits</title>');
    expect(page.text).toContain(`<a id="back" href="${RETURN_URL}">`);
    expect(page.text).toContain(`<meta name="csrf-token" content="${csrfTokenFor(tokenOf(cookie))}">`);
    expect(page.text).toContain('<img class="logo" src="https://cdn.example.com/logo.png"');
    expect(page.text).toMatch(/<section id="buy"[^>]* hidden>/);
    expect(page.text).toMatch(/<section id="auto-recharge"[^>]* hidden>/);
    expect(page.text).toMatch(/<section id="history"[^>]* hidden>/);
    expect(page.text).toContain('&quot;checkout&quot;:false');
    // No inline script: every <script> has a src on our origin.
    for (const tag of page.text.match(/<script[^>]*>/g) ?? []) expect(tag).toMatch(/src="\/billing\/assets\/[a-z-]+\.js"/);
    const csp = page.headers['content-security-policy'] as string;
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("img-src 'self' https://cdn.example.com");
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|\*/);
    // Dark text on a light brand colour (contrast).
    expect((await h.http.get('/billing/assets/theme.css')).text).toContain('--brand: #ffcc00; --on-brand: #000000');
  });

  it('serves its scripts and styles itself, and nothing else under /billing/assets', async () => {
    await start();
    const script = await h.http.get('/billing/assets/billing.js');
    expect(script.status).toBe(200);
    expect(script.headers['content-type']).toMatch(/javascript/);
    expect(script.text).toContain("from './billing-api.js'");
    expect((await h.http.get('/billing/assets/format.js')).status).toBe(200);
    expect((await h.http.get('/billing/assets/billing.css')).headers['content-type']).toMatch(/css/);
    for (const path of ['/billing/assets/nope.js', '/billing/assets/..%2Fpage-html.ts', '/billing/assets/billing.ts']) {
      expect((await h.http.get(path)).status).toBe(404);
    }
  });

  it('without a live session, /billing explains and reveals nothing; the API answers 401', async () => {
    await start();
    for (const cookie of [undefined, 'topup_billing=garbage', `topup_billing=${'B'.repeat(43)}`]) {
      const req = h.http.get('/billing');
      if (cookie) req.set('Cookie', cookie);
      const page = await req;
      expect(page.status).toBe(401);
      expect(page.text).toContain('Your billing session has ended');
      expect(page.text).not.toContain('csrf-token');
      const api = h.http.get('/billing/api/balance');
      if (cookie) api.set('Cookie', cookie);
      expect((await api).status).toBe(401);
    }
  });

  it("the API shows the session's customer's balance, with what is arriving as exact decimal text", async () => {
    await start();
    await creditAlice(h, 1000);
    const cookie = await openSession(h);
    const res = await h.http.get('/billing/api/balance').set('Cookie', cookie);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ customer_id: 'cus_alice', subscription_id: 'sub_alice', available_balance: 10 });
    const processing = await h.topUp({ customer_id: 'cus_alice', amount: 2500, currency: 'usd', payment_method: 'pm_processing' });
    expect(processing.status).toBe(201);
    const arriving = await h.http.get('/billing/api/balance').set('Cookie', cookie);
    expect(arriving.body.in_flight).toEqual([expect.objectContaining({ amount: 2500, amount_decimal: '25.00', currency: 'usd', credits: 25, state: 'processing' })]);
    expect(arriving.body.in_flight_credits).toBe(25);
  });

  it('a session slides: used within the hour it lives on; an hour idle ends it', async () => {
    await start();
    await creditAlice(h);
    const cookie = await openSession(h);
    clock.skew += 50 * 60_000;
    const used = await h.http.get('/billing/api/balance').set('Cookie', cookie);
    expect(used.status).toBe(200);
    expect(([] as string[]).concat(used.headers['set-cookie'] ?? [])[0]).toMatch(/Max-Age=3600/);
    clock.skew += 50 * 60_000;
    expect((await h.http.get('/billing').set('Cookie', cookie)).status).toBe(200);
    clock.skew += 60 * 60_000 + 1;
    expect((await h.http.get('/billing/api/balance').set('Cookie', cookie)).status).toBe(401);
  });

  it('a state change needs the CSRF token of the same session', async () => {
    await start();
    await creditAlice(h);
    const cookie = await openSession(h);
    const other = await openSession(h);
    const end = (csrf?: string) => {
      const req = h.http.post('/billing/api/session/end').set('Cookie', cookie);
      return csrf === undefined ? req : req.set('X-CSRF-Token', csrf);
    };
    expect((await end()).status).toBe(403);
    expect((await end(csrfTokenFor(tokenOf(other)))).status).toBe(403);
    expect((await end('x'.repeat(43))).status).toBe(403);
    expect((await h.http.get('/billing/api/balance').set('Cookie', cookie)).status).toBe(200);
    expect((await end(csrfTokenFor(tokenOf(cookie)))).status).toBe(204);
    expect((await h.http.get('/billing/api/balance').set('Cookie', cookie)).status).toBe(401);
    expect((await h.http.get('/billing/api/balance').set('Cookie', other)).status).toBe(200);
  });

  it('without checkout support (no return origin for it) there is no checkout route', async () => {
    await start({ BILLING_CUSTOM_AMOUNTS: 'true', CHECKOUT_RETURN_ORIGINS: '' });
    const cookie = await openSession(h);
    const csrf = csrfTokenFor(tokenOf(cookie));
    const res = await h.http.post('/billing/api/checkout').set('Cookie', cookie).set('X-CSRF-Token', csrf).send({ amount: 1000, currency: 'usd' });
    expect(res.status).toBe(404);
    expect((await h.http.get('/billing/api/packs').set('Cookie', cookie)).status).toBe(404);
  });
});
