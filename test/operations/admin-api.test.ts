import { randomBytes } from 'node:crypto';
import type Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import type { OutboxEntry } from '../../src/ledger/ledger-entry.js';
import { ADMIN_KEY, harnessPerTest, topUpPaymentIntent, waitFor, type Harness } from '../support/harness.js';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const auth = { Authorization: `Bearer ${ADMIN_KEY}` };

function acceptedTimes(h: Harness, transactionId: string): number {
  return h.moesif.accepted.filter((tx) => tx.transaction_id === transactionId).length;
}

async function entryState(h: Harness, transactionId: string): Promise<string | undefined> {
  return (await h.service.store.outbox.get(transactionId))?.state;
}

/** Posts a top-up's payment_intent.succeeded; Moesif answers whatever it was scripted to. */
async function creditEvent(h: Harness): Promise<{ event: Stripe.Event; pi: Stripe.PaymentIntent }> {
  const pi = topUpPaymentIntent();
  const event = h.stripe.makeEvent('payment_intent.succeeded', pi);
  const res = await h.postEvent(event);
  expect(res.status).toBe(200);
  return { event, pi };
}

/** A credit Moesif refuses with a 400: kept as dead. */
async function deadCredit(h: Harness) {
  h.moesif.respondWith(400);
  const made = await creditEvent(h);
  await waitFor(async () => (await entryState(h, made.pi.id)) === 'dead', 5_000, 'the entry to go dead');
  return made;
}

describe('admin API (/admin, Bearer ADMIN_API_KEY)', () => {
  const harness = harnessPerTest();

  it('401 without a key, with a wrong key, or with another scheme, on every admin route', async () => {
    const h = await harness();
    const routes: ['get' | 'post', string][] = [
      ['get', '/admin/deliveries'],
      ['get', '/admin/deliveries/pi_x'],
      ['post', '/admin/deliveries/retry'],
      ['post', '/admin/deliveries/pi_x/retry'],
      ['post', '/admin/events/evt_x/redrive'],
      ['post', '/admin/reconcile?since=48h'],
    ];
    const badHeaders: (Record<string, string> | null)[] = [
      null,
      { Authorization: 'Bearer wrong-key-0123456789abcdef' },
      { Authorization: `Bearer ${ADMIN_KEY}x` },
      { Authorization: `Basic ${Buffer.from(`admin:${ADMIN_KEY}`).toString('base64')}` },
      { Authorization: ADMIN_KEY },
    ];
    for (const [method, path] of routes) {
      for (const headers of badHeaders) {
        const req = h.http[method](path);
        if (headers) req.set(headers);
        const res = await req;
        expect(res.status, `${method} ${path} ${JSON.stringify(headers)}`).toBe(401);
        expect(res.body.error.code).toBe('unauthenticated');
      }
    }
    // The top-up API key is not an admin key.
    expect((await h.http.get('/admin/deliveries').set('Authorization', `Bearer ${h.config.auth.apiKeys[0]}`)).status).toBe(401);
    expect((await h.http.get('/admin/deliveries').set(auth)).status).toBe(200);
  });

  it('GET /admin/deliveries?state=dead lists a refused credit with lastError, lastStatus and attempts; GET one by id', async () => {
    const h = await harness();
    const { pi } = await deadCredit(h);
    const delivered = await creditEvent(h);
    await waitFor(async () => (await entryState(h, delivered.pi.id)) === 'delivered', 5_000, 'the second credit delivered');

    const res = await h.http.get('/admin/deliveries?state=dead').set(auth);
    expect(res.status).toBe(200);
    const deliveries = res.body.deliveries as OutboxEntry[];
    expect(deliveries).toHaveLength(1);
    expect(deliveries[0]).toMatchObject({ transactionId: pi.id, state: 'dead', attempts: 1, lastStatus: 400, kind: 'credit', amountMinor: 1000 });
    expect(deliveries[0]!.lastError).toEqual(expect.stringContaining('400'));
    expect(deliveries[0]!.lastError).toEqual(expect.stringContaining('scripted 400')); // Moesif's body is kept

    const all = await h.http.get('/admin/deliveries').set(auth);
    expect((all.body.deliveries as OutboxEntry[]).map((d) => d.transactionId).sort()).toEqual([pi.id, delivered.pi.id].sort());
    const limited = await h.http.get('/admin/deliveries?limit=1').set(auth);
    expect(limited.body.deliveries).toHaveLength(1);

    const one = await h.http.get(`/admin/deliveries/${pi.id}`).set(auth);
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({ transactionId: pi.id, state: 'dead' });
    const missing = await h.http.get('/admin/deliveries/pi_nope').set(auth);
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('not_found');
  });

  it('a bad state or limit is a 400 naming the field', async () => {
    const h = await harness();
    const res = await h.http.get('/admin/deliveries?state=bogus').set(auth);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_failed');
    expect(res.body.error.fields).toEqual([expect.objectContaining({ field: 'state' })]);
    expect(res.body.error.message).toContain('state');

    const limit = await h.http.get('/admin/deliveries?limit=0').set(auth);
    expect(limit.status).toBe(400);
    expect(limit.body.error.fields).toEqual([expect.objectContaining({ field: 'limit' })]);

    const retryAll = await h.http.post('/admin/deliveries/retry?state=delivered').set(auth);
    expect(retryAll.status).toBe(400);
    expect(retryAll.body.error.fields).toEqual([expect.objectContaining({ field: 'state' })]);
  });

  it('POST /admin/deliveries/:id/retry requeues a dead credit, which is then delivered exactly once; retrying a delivered one is a 404', async () => {
    const h = await harness();
    const { pi } = await deadCredit(h);
    expect(h.moesif.ledger.has(pi.id)).toBe(false);

    const res = await h.http.post(`/admin/deliveries/${pi.id}/retry`).set(auth);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ requeued: 1, transaction_id: pi.id });
    await waitFor(async () => (await entryState(h, pi.id)) === 'delivered', 5_000, 'the retried credit delivered');
    expect(h.moesif.ledger.get(pi.id)).toMatchObject({ amount: 10, type: 'credit' });

    const again = await h.http.post(`/admin/deliveries/${pi.id}/retry`).set(auth);
    expect(again.status).toBe(404);
    expect(again.body.error.code).toBe('not_found');
    const unknown = await h.http.post('/admin/deliveries/pi_unknown/retry').set(auth);
    expect(unknown.status).toBe(404);

    await sleep(150);
    expect(acceptedTimes(h, pi.id)).toBe(1);
    // Two requests reached Moesif for it: the refused one and the accepted one.
    expect(h.moesif.requests.filter((tx) => tx.transaction_id === pi.id)).toHaveLength(2);
  });

  it('POST /admin/deliveries/retry requeues every dead entry and returns the count', async () => {
    const h = await harness();
    h.moesif.respondWith(400, 400, 400);
    const made = [await creditEvent(h), await creditEvent(h), await creditEvent(h)];
    await waitFor(async () => (await h.service.store.outbox.countByState()).dead === 3, 5_000, 'three dead entries');

    const res = await h.http.post('/admin/deliveries/retry').set(auth);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ requeued: 3 });
    await waitFor(() => made.every((m) => h.moesif.ledger.has(m.pi.id)), 5_000, 'all three delivered');
    await waitFor(async () => (await h.service.store.outbox.countByState()).delivered === 3, 5_000, 'all three marked delivered');

    expect((await h.http.post('/admin/deliveries/retry').set(auth)).body).toEqual({ requeued: 0 });
    expect((await h.http.post('/admin/deliveries/retry?state=failed').set(auth)).body).toEqual({ requeued: 0 });
    await sleep(150);
    for (const m of made) expect(acceptedTimes(h, m.pi.id)).toBe(1);
  });

  it('POST /admin/events/:id/redrive requeues the dead credit of a stored event; a second redrive leaves it alone', async () => {
    const h = await harness();
    const { event, pi } = await deadCredit(h);

    const res = await h.http.post(`/admin/events/${event.id}/redrive`).set(auth);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ found: 'store', queued: [], requeued: [pi.id], unchanged: [] });
    await waitFor(async () => (await entryState(h, pi.id)) === 'delivered', 5_000, 'the redriven credit delivered');

    const again = await h.http.post(`/admin/events/${event.id}/redrive`).set(auth);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ found: 'store', queued: [], requeued: [], unchanged: [pi.id] });
    await sleep(150);
    expect(acceptedTimes(h, pi.id)).toBe(1);
  });

  it('redrive of a refund ignored because its PaymentIntent was unknown, once Stripe has it, queues the debit', async () => {
    const h = await harness();
    const pi = topUpPaymentIntent();
    const refundId = `re_${randomBytes(8).toString('hex')}`;
    const refund = {
      id: refundId,
      object: 'refund',
      amount: 400,
      currency: 'usd',
      payment_intent: pi.id,
      charge: 'ch_x',
      status: 'succeeded',
      created: Math.floor(Date.now() / 1000),
      metadata: {},
    };
    const event = h.stripe.makeEvent('refund.created', refund);
    const first = await h.postEvent(event);
    expect(first.status).toBe(200);
    expect(first.body.outcome).toBe('ignored');
    expect((await h.service.store.events.get(event.id))?.note).toContain('not found at Stripe');

    // Later Stripe does know the PaymentIntent (e.g. it was a lookup race / another account fixed).
    h.stripe.paymentIntents.set(pi.id, pi);
    const res = await h.http.post(`/admin/events/${event.id}/redrive`).set(auth);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ found: 'store', queued: [refundId], requeued: [], unchanged: [] });
    await waitFor(() => h.moesif.ledger.has(refundId), 5_000, 'the debit at Moesif');
    expect(h.moesif.ledger.get(refundId)).toMatchObject({ type: 'debit', amount: 4, company_id: 'cus_alice', subscription_id: 'sub_alice' });
  });

  it('redrive of an event only Stripe has (never received) fetches and queues it; an unknown event id is a 404', async () => {
    const h = await harness();
    const pi = topUpPaymentIntent();
    const event = h.stripe.makeEvent('payment_intent.succeeded', pi);
    const res = await h.http.post(`/admin/events/${event.id}/redrive`).set(auth);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ found: 'stripe', queued: [pi.id] });
    await waitFor(() => h.moesif.ledger.has(pi.id), 5_000, 'the credit at Moesif');

    const unknown = await h.http.post('/admin/events/evt_does_not_exist/redrive').set(auth);
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('not_found');
  });

  it('POST /admin/reconcile?since=48h runs a sweep now; a bad since is a 400', async () => {
    const h = await harness();
    const pi = topUpPaymentIntent();
    h.stripe.makeEvent('payment_intent.succeeded', pi, Math.floor(Date.now() / 1000) - 24 * 3600);
    const before = Math.floor(Date.now() / 1000);
    const res = await h.http.post('/admin/reconcile?since=48h').set(auth);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ found: 1, queued: 1, duplicate: 0, ignored: 0 });
    expect(Math.abs(res.body.since - (before - 48 * 3600))).toBeLessThanOrEqual(5);
    await waitFor(() => h.moesif.ledger.has(pi.id), 5_000, 'the reconciled credit at Moesif');

    const again = await h.http.post('/admin/reconcile?since=48h').set(auth);
    expect(again.body).toMatchObject({ found: 1, queued: 0, duplicate: 1 });

    const bad = await h.http.post('/admin/reconcile?since=soon').set(auth);
    expect(bad.status).toBe(400);
    expect(bad.body.error.fields).toEqual([expect.objectContaining({ field: 'since' })]);
  });

  it.each([
    ['undefined', undefined],
    ['empty', ''],
  ])('without ADMIN_API_KEY (%s) every /admin route is a 404, even with the usual key', async (_label, value) => {
    const h = await harness({ ADMIN_API_KEY: value });
    expect(h.config.adminApiKey).toBeUndefined();
    for (const [method, path] of [
      ['get', '/admin/deliveries'],
      ['post', '/admin/deliveries/retry'],
      ['post', '/admin/reconcile?since=48h'],
      ['post', '/admin/events/evt_x/redrive'],
    ] as const) {
      const res = await h.http[method](path).set(auth);
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(res.body.error.code).toBe('not_found');
    }
  });
});
