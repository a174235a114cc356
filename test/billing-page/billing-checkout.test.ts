import supertest from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { billingAppWithCheckout, PACKS, type BillingApp } from './billing-app.js';

/** Buying from the page, once a checkout capability is plugged in: packs, custom amounts, CSRF. */
describe('billing page with checkout plugged in', () => {
  let b: BillingApp;
  afterEach(async () => b?.close());

  const checkout = async (body: unknown, headers: Record<string, string | undefined>) => {
    const req = supertest(b.app).post('/billing/api/checkout');
    for (const [k, v] of Object.entries(headers)) if (v !== undefined) req.set(k, v);
    return req.send(body as object);
  };

  it('the page shows the buy section; the API lists the packs', async () => {
    b = await billingAppWithCheckout();
    const { cookie } = await b.session();
    const page = await supertest(b.app).get('/billing').set('Cookie', cookie);
    expect(page.text).toContain('&quot;checkout&quot;:true');
    expect(page.text).toContain('&quot;customAmounts&quot;:false');
    const packs = await supertest(b.app).get('/billing/api/packs').set('Cookie', cookie);
    expect(packs.body).toEqual({ data: PACKS });
  });

  it('a pack goes to checkout for the session’s customer, returning to the page', async () => {
    b = await billingAppWithCheckout();
    const { cookie, csrf } = await b.session();
    const res = await checkout({ pack: 'price_big' }, { Cookie: cookie, 'X-CSRF-Token': csrf, 'Idempotency-Key': 'click-1' });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ url: 'https://checkout.stripe.test/c/pay/cs_test_1' });
    expect(b.started).toEqual([
      {
        pack: 'price_big',
        customerId: 'cus_alice',
        subscriptionId: null,
        successUrl: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/billing\?checkout=success$/),
        cancelUrl: expect.stringMatching(/\/billing\?checkout=canceled$/),
        idempotencyKey: 'click-1',
      },
    ]);
  });

  it.each([
    ['no CSRF token', { 'X-CSRF-Token': undefined }, 403],
    ['a wrong CSRF token', { 'X-CSRF-Token': 'A'.repeat(43) }, 403],
    ['no session', { Cookie: undefined }, 401],
    ['no Idempotency-Key', { 'Idempotency-Key': undefined }, 400],
  ])('%s → %i, and nothing is started', async (_what, override, status) => {
    b = await billingAppWithCheckout();
    const { cookie, csrf } = await b.session();
    const res = await checkout({ pack: 'price_small' }, { Cookie: cookie, 'X-CSRF-Token': csrf, 'Idempotency-Key': 'k', ...override });
    expect(res.status).toBe(status);
    expect(b.started).toEqual([]);
  });

  it('custom amounts: refused unless BILLING_CUSTOM_AMOUNTS=true, then within the /top-up limits of each currency class', async () => {
    b = await billingAppWithCheckout();
    let { cookie, csrf } = await b.session();
    const off = await checkout({ amount: 2500, currency: 'usd' }, { Cookie: cookie, 'X-CSRF-Token': csrf, 'Idempotency-Key': 'k' });
    expect(off.status).toBe(400);
    expect(off.body.error.message).toMatch(/custom amounts are off/);
    await b.close();

    b = await billingAppWithCheckout({ BILLING_CUSTOM_AMOUNTS: 'true', TOP_UP_MAX_AMOUNTS: 'usd:100000' });
    ({ cookie, csrf } = await b.session());
    expect((await supertest(b.app).get('/billing').set('Cookie', cookie)).text).toContain('&quot;customAmounts&quot;:true');
    const cases: [unknown, number][] = [
      [{ amount: 2500, currency: 'usd' }, 201],
      [{ amount: 500, currency: 'jpy' }, 201],
      [{ amount: 1230, currency: 'kwd' }, 201],
      [{ amount: 1235, currency: 'kwd' }, 400],
      [{ amount: 100_001, currency: 'usd' }, 400],
      [{ amount: 10, currency: 'usd' }, 400],
      [{ amount: 2500, currency: 'gbp' }, 400],
      [{ amount: 25.5, currency: 'usd' }, 400],
      [{ pack: 'not-a-price' }, 400],
    ];
    for (const [body, status] of cases) {
      const res = await checkout(body, { Cookie: cookie, 'X-CSRF-Token': csrf, 'Idempotency-Key': 'k' });
      expect(res.status, JSON.stringify(body)).toBe(status);
    }
    expect(b.started.map((s) => ('amount' in s ? `${s.amount} ${s.currency}` : s.pack))).toEqual(['2500 usd', '500 jpy', '1230 kwd']);
  });
});
