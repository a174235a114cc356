import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signJwt, bearer, getTopUp, apiKeyAuth } from '../top-ups/top-up-helpers.js';
import { deliver, drain, expectNoDuplicatesAtMoesif } from '../ledger/ledger-helpers.js';
import { startHarness, type Harness } from '../support/harness.js';
import { CANCEL_URL, eventFor, permutations, postCheckout, SUCCESS_URL } from './checkout-helpers.js';

/**
 * Issue 10, items 1 and 2: POST /top-up/checkout starts a hosted Stripe Checkout; its payment is
 * credited once, from checkout.session.completed / async_payment_succeeded or the PaymentIntent's
 * payment_intent.succeeded, in any order and any number of times.
 */
describe('hosted checkout started by the service', () => {
  let h: Harness;
  let pack: string;
  beforeAll(async () => {
    h = await startHarness({ env: { LOG_LEVEL: 'silent' } });
    pack = h.stripe.addPrice({ unitAmount: 10000, currency: 'usd', credits: '11000', name: 'Bonus pack' });
  });
  afterAll(async () => {
    await h.stop();
  });

  const sessionPosts = () => h.stripe.requests.filter((r) => r.method === 'POST' && r.path === '/v1/checkout/sessions');

  it('creates a payment-mode session carrying the service metadata on the session and its PaymentIntent', async () => {
    const res = await postCheckout(h, { customer_id: 'cus_alice', amount: 2500, currency: 'usd', subscription_id: 'sub_alice' });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(Object.keys(res.body).sort()).toEqual(['checkout_session_id', 'expires_at', 'url']);
    expect(res.body.url).toContain(res.body.checkout_session_id);
    const params = sessionPosts().at(-1)!.params as Record<string, any>;
    const tag = { topup_sync: 'v1', moesif_company_id: 'cus_alice', moesif_subscription_id: 'sub_alice' };
    expect(params).toMatchObject({ mode: 'payment', customer: 'cus_alice', success_url: SUCCESS_URL, cancel_url: CANCEL_URL, metadata: tag });
    // The PaymentIntent also says how it was sold, so its credit shows as a checkout in GET /ledger.
    expect(params.payment_intent_data.metadata).toEqual({ ...tag, topup_sync_origin: 'checkout' });
    expect(params.payment_intent_data.setup_future_usage).toBeUndefined();
    expect(await h.service.store.topUps.get(res.body.checkout_session_id)).toMatchObject({ flow: 'checkout', amountMinor: 2500, status: 'open' });
  });

  it('paid by card: credited once from completed + payment_intent.succeeded; GET /top-ups/cs_… shows it delivered', async () => {
    const res = await postCheckout(h, { customer_id: 'cus_alice', amount: 2500, currency: 'usd' });
    const session = h.stripe.payCheckoutSession(res.body.checkout_session_id);
    const pi = String(session.payment_intent);
    await deliver(h, eventFor(h, session.id, 'checkout.session.completed'), 'queued');
    await deliver(h, eventFor(h, pi, 'payment_intent.succeeded'), 'queued');
    await drain(h, [pi]);
    expect(h.moesif.ledger.get(pi)).toMatchObject({ type: 'credit', amount: 25, company_id: 'cus_alice', subscription_id: 'sub_alice' });
    const status = await getTopUp(h, session.id, apiKeyAuth);
    expect(status.body).toMatchObject({ checkout_session_id: session.id, status: 'complete', payment_status: 'paid', payment_intent_id: pi, amount: 2500 });
    expect(status.body.credit).toMatchObject({ state: 'delivered', amount: 25 });
    const ledger = await h.http.get('/ledger').query({ customer_id: 'cus_alice' }).set('Authorization', apiKeyAuth);
    expect(ledger.body.data.find((e: { id: string }) => e.id === pi)).toMatchObject({ source: 'checkout', amount: 2500 });
    expectNoDuplicatesAtMoesif(h);
  });

  it('a pack bought through checkout credits its credits (N per unit), not its price at CREDIT_RATES', async () => {
    const res = await postCheckout(h, { customer_id: 'cus_alice', pack });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect((sessionPosts().at(-1)!.params as Record<string, any>).line_items[0]).toEqual({ price: pack, quantity: '1' });
    const session = h.stripe.payCheckoutSession(res.body.checkout_session_id);
    await deliver(h, eventFor(h, session.id, 'checkout.session.completed'), 'queued');
    await drain(h, [String(session.payment_intent)]);
    expect(h.moesif.ledger.get(String(session.payment_intent))?.amount).toBe(11000);
    const ledger = await h.http.get('/ledger').query({ customer_id: 'cus_alice' }).set('Authorization', apiKeyAuth);
    expect(ledger.body.data.find((e: { id: string }) => e.id === session.payment_intent)).toMatchObject({ source: 'pack', credits: 11000 });
  });

  const steps = ['checkout.session.completed', 'checkout.session.async_payment_succeeded', 'payment_intent.succeeded'] as const;
  it.each(permutations(steps).map((order, i) => [order.join(' → '), 1 + (i % 3), order] as const))(
    'a delayed payment, events in the order %s, each delivered %i time(s) → exactly one credit',
    async (_name, times, order) => {
      const res = await postCheckout(h, { customer_id: 'cus_alice', pack });
      const id = res.body.checkout_session_id as string;
      h.stripe.payCheckoutSession(id, 'delayed');
      const completed = eventFor(h, id, 'checkout.session.completed');
      h.stripe.settleCheckoutSession(id, 'succeeded');
      const pi = String(h.stripe.checkoutSessions.get(id)!.payment_intent);
      const byType = {
        'checkout.session.completed': completed,
        'checkout.session.async_payment_succeeded': eventFor(h, id, 'checkout.session.async_payment_succeeded'),
        'payment_intent.succeeded': eventFor(h, pi, 'payment_intent.succeeded'),
      };
      for (const type of order) for (let n = 0; n < times; n++) await deliver(h, byType[type]);
      await drain(h, [pi]);
      expect(h.moesif.accepted.filter((t) => t.transaction_id === pi)).toHaveLength(1);
      expect(h.moesif.ledger.get(pi)?.amount).toBe(11000);
      expect(await h.service.store.topUps.get(id)).toMatchObject({ status: 'succeeded' });
      expectNoDuplicatesAtMoesif(h);
    },
  );

  it('a delayed payment that fails credits nothing and GET /top-ups/cs_… says it failed', async () => {
    const res = await postCheckout(h, { customer_id: 'cus_alice', amount: 2500, currency: 'usd' });
    const id = res.body.checkout_session_id as string;
    h.stripe.payCheckoutSession(id, 'delayed');
    await deliver(h, eventFor(h, id, 'checkout.session.completed'), 'ignored');
    expect((await getTopUp(h, id, apiKeyAuth)).body.credit).toEqual({ state: 'awaiting_payment' });
    h.stripe.settleCheckoutSession(id, 'failed');
    await deliver(h, eventFor(h, id, 'checkout.session.async_payment_failed'), 'ignored');
    const status = await getTopUp(h, id, apiKeyAuth);
    expect(status.body).toMatchObject({ payment_status: 'unpaid', credit: { state: 'failed' } });
    expect(await h.service.store.outbox.get(String(h.stripe.checkoutSessions.get(id)!.payment_intent))).toBeNull();
  });

  it('save_card: the PaymentIntent is set up for off-session use and Stripe shows its consent text', async () => {
    const res = await postCheckout(h, { customer_id: 'cus_alice', amount: 2500, currency: 'usd', save_card: true });
    expect(res.status).toBe(201);
    const params = sessionPosts().at(-1)!.params as Record<string, any>;
    expect(params.payment_intent_data.setup_future_usage).toBe('off_session');
    expect(params.consent_collection).toEqual({ payment_method_reuse_agreement: { position: 'auto' } });
    const page = await fetch(res.body.url);
    expect(await page.text()).toContain('charge your card for future payments');
  });

  it.each([
    ['another origin', 'https://evil.example.com/phish'],
    ['plain http to a public host', 'http://shop.example.test/credits'],
    ['credentials before the host', 'https://shop.example.test@evil.example.com/'],
    ['a javascript: URL', 'javascript:alert(1)'],
    ['a relative URL', '//evil.example.com/x'],
    ['a look-alike host', 'https://shop.example.test.evil.example.com/'],
  ])('open redirect refused (%s): 400 naming the field, no session created', async (_what, url) => {
    for (const field of ['success_url', 'cancel_url']) {
      const before = sessionPosts().length;
      const res = await postCheckout(h, { customer_id: 'cus_alice', amount: 2500, currency: 'usd', [field]: url });
      expect(res.status).toBe(400);
      expect(res.body.error.fields.map((f: { field: string }) => f.field)).toEqual([field]);
      expect(sessionPosts().length).toBe(before);
    }
  });

  it('a browser user may start a checkout only for their own customer; an Idempotency-Key returns the same session', async () => {
    const token = await signJwt({ customer: 'cus_alice' });
    const other = await postCheckout(h, { customer_id: 'cus_bob', amount: 2500, currency: 'usd' }, { authorization: bearer(token) });
    expect(other.status).toBe(403);
    const first = await postCheckout(h, { amount: 2500, currency: 'usd' }, { authorization: bearer(token), key: 'order-1' });
    const again = await postCheckout(h, { amount: 2500, currency: 'usd' }, { authorization: bearer(token), key: 'order-1' });
    expect(first.status).toBe(201);
    expect(again.body.checkout_session_id).toBe(first.body.checkout_session_id);
    const changed = await postCheckout(h, { amount: 3000, currency: 'usd' }, { authorization: bearer(token), key: 'order-1' });
    expect(changed.status).toBe(409);
    // Bob cannot read Alice's session.
    const bob = await signJwt({ customer: 'cus_bob' });
    expect((await getTopUp(h, first.body.checkout_session_id, bearer(bob))).status).toBe(404);
  });

  it('the hosted page: Pay redirects to success_url with the session id and sends the signed events; Cancel to cancel_url', async () => {
    const res = await postCheckout(h, { customer_id: 'cus_alice', amount: 2500, currency: 'usd' });
    const page = await fetch(res.body.url);
    expect(await page.text()).toMatch(/<button[^>]*>Pay<\/button>/);
    const cancel = await fetch(`${res.body.url}/cancel`, { method: 'POST', redirect: 'manual' });
    expect(cancel.headers.get('location')).toBe(CANCEL_URL);
    const pay = await fetch(`${res.body.url}/pay`, { method: 'POST', redirect: 'manual', body: new URLSearchParams({ method: 'card' }) });
    expect(pay.status).toBe(303);
    expect(pay.headers.get('location')).toBe(SUCCESS_URL.replace('{CHECKOUT_SESSION_ID}', res.body.checkout_session_id));
    expect(eventFor(h, res.body.checkout_session_id, 'checkout.session.completed').data.object).toMatchObject({ payment_status: 'paid' });
  });
});

describe('hosted checkout: an Idempotency-Key after Stripe forgot it', () => {
  it('answers from the stored session instead of asking Stripe for a second one', async () => {
    let offset = 0;
    const h = await startHarness({ env: { LOG_LEVEL: 'silent' }, now: () => Date.now() + offset });
    try {
      const first = await postCheckout(h, { customer_id: 'cus_alice', amount: 2500, currency: 'usd' }, { key: 'order-late' });
      expect(first.status).toBe(201);
      offset = 25 * 3600 * 1000;
      h.stripe.forgetIdempotencyKeys();
      const posts = h.stripe.requests.filter((r) => r.method === 'POST' && r.path === '/v1/checkout/sessions').length;
      const again = await postCheckout(h, { customer_id: 'cus_alice', amount: 2500, currency: 'usd' }, { key: 'order-late' });
      expect(again.status).toBe(201);
      expect(again.body.checkout_session_id).toBe(first.body.checkout_session_id);
      expect(h.stripe.requests.filter((r) => r.method === 'POST' && r.path === '/v1/checkout/sessions')).toHaveLength(posts);
    } finally {
      await h.stop();
    }
  });
});
