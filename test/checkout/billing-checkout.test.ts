import { afterEach, describe, expect, it } from 'vitest';
import { csrfTokenFor } from '../../src/billing-page/billing-tokens.js';
import type { Harness } from '../support/harness.js';
import { billingHarness, openSession } from '../billing-page/billing-helpers.js';

/**
 * The billing page buys through issue 10's hosted checkout. Its success/cancel URLs are the
 * page's own origin, which must pass CHECKOUT_RETURN_ORIGINS like any caller's: BILLING_PUBLIC_URL
 * (the operator's word) counts as listed; the origin a request came to (its Host header, the
 * client's word) only when listed, so a forged Host never makes Stripe redirect elsewhere.
 */
describe('the billing page on hosted checkout', () => {
  let h: Harness;
  afterEach(async () => h?.stop());

  const buy = async (host: string) => {
    const cookie = await openSession(h);
    const token = cookie.split('=')[1]!;
    const pack = h.stripe.addPrice({ unitAmount: 500, currency: 'usd', credits: '600', name: 'Small pack' });
    return h.http
      .post('/billing/api/checkout')
      .set('Host', host)
      .set('Cookie', cookie)
      .set('X-CSRF-Token', csrfTokenFor(token))
      .set('Idempotency-Key', 'click-1')
      .send({ pack });
  };

  it('no return origin configured: the page has no buy section and the checkout API is absent', async () => {
    ({ h } = await billingHarness({ CHECKOUT_RETURN_ORIGINS: '' }));
    const cookie = await openSession(h);
    const page = await h.http.get('/billing').set('Cookie', cookie);
    expect(page.text).toContain('&quot;checkout&quot;:false');
    expect((await h.http.get('/billing/api/packs').set('Cookie', cookie)).status).toBe(404);
  });

  it('the page\'s origin listed in CHECKOUT_RETURN_ORIGINS: a Checkout Session for the pack that returns to the page', async () => {
    ({ h } = await billingHarness({ CHECKOUT_RETURN_ORIGINS: 'http://localhost:5173' }));
    const res = await buy('localhost:5173');
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const sessions = [...h.stripe.checkoutSessions.values()];
    expect(sessions).toHaveLength(1);
    expect(res.body).toEqual({ url: sessions[0]!.url });
    expect(sessions[0]).toMatchObject({
      customer: 'cus_alice',
      success_url: 'http://localhost:5173/billing?checkout=success',
      cancel_url: 'http://localhost:5173/billing?checkout=canceled',
    });
  });

  it('a Host not in CHECKOUT_RETURN_ORIGINS → 403 forbidden, and no Checkout Session is made', async () => {
    ({ h } = await billingHarness({ CHECKOUT_RETURN_ORIGINS: 'http://localhost:5173' }));
    const res = await buy('127.0.0.1:6666');
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('forbidden');
    expect(h.stripe.checkoutSessions.size).toBe(0);
  });

  it('BILLING_PUBLIC_URL set: its origin is allowed without listing it, whatever Host the request carried', async () => {
    ({ h } = await billingHarness({ BILLING_PUBLIC_URL: 'http://localhost:5173' }));
    const res = await buy('127.0.0.1:6666');
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect([...h.stripe.checkoutSessions.values()][0]).toMatchObject({ success_url: 'http://localhost:5173/billing?checkout=success' });
  });
});
