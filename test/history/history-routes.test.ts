import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { apiKeyAuth, expectApiError, jwtFor } from '../balances/balance-helpers.js';
import { deliver, drain, knownTopUp, makeRefund } from '../ledger/ledger-helpers.js';
import { startHarness, type Harness } from '../support/harness.js';

function get(h: Harness, path: string, query: Record<string, string>, authorization: string | undefined) {
  const req = h.http.get(path).query(query);
  if (authorization !== undefined) req.set('Authorization', authorization);
  return req;
}

describe('GET /ledger and GET /top-ups', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness({ env: { LOG_LEVEL: 'silent', CREDIT_RATES: 'eur:1.08' } });
  });
  afterEach(async () => {
    await h.stop();
  });

  it('shows each entry with kind, signed amounts in minor units and credits, source, Stripe object, state and times', async () => {
    const pi = knownTopUp(h, { amount: 2000, amount_received: 2000, currency: 'eur' });
    await deliver(h, h.stripe.makeEvent('payment_intent.succeeded', structuredClone(pi)), 'queued');
    const refund = makeRefund(pi.id, { amount: 500, currency: 'eur' });
    await deliver(h, h.stripe.makeEvent('refund.created', refund), 'queued');
    await drain(h, [pi.id, refund.id]);

    const res = await get(h, '/ledger', { customer_id: 'cus_alice' }, apiKeyAuth);
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({ object: 'list', has_more: false, next_starting_after: null });
    expect(res.body.data).toEqual([
      expect.objectContaining({
        id: refund.id,
        kind: 'debit',
        amount: -500,
        currency: 'eur',
        credits: -5.4,
        source: 'refund',
        stripe_object_id: refund.id,
        state: 'delivered',
      }),
      expect.objectContaining({
        id: pi.id,
        kind: 'credit',
        amount: 2000,
        currency: 'eur',
        credits: 21.6,
        source: 'top-up',
        stripe_object_id: pi.id,
        subscription_id: 'sub_alice',
        state: 'delivered',
        created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        delivered_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        active_at: null,
        expire_at: null,
      }),
    ]);
  });

  it('pages with limit and starting_after until has_more is false, each entry once', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) {
      const pi = knownTopUp(h, { amount: 1000 + i, amount_received: 1000 + i });
      await deliver(h, h.stripe.makeEvent('payment_intent.succeeded', structuredClone(pi)), 'queued');
      ids.push(pi.id);
    }
    const seen: string[] = [];
    let after: string | undefined;
    for (let page = 0; page < 5; page++) {
      const res = await get(h, '/ledger', { customer_id: 'cus_alice', limit: '3', ...(after ? { starting_after: after } : {}) }, apiKeyAuth);
      expect(res.status, res.text).toBe(200);
      seen.push(...res.body.data.map((e: { id: string }) => e.id));
      if (!res.body.has_more) break;
      after = res.body.next_starting_after;
    }
    expect([...seen].sort()).toEqual([...ids].sort());
    expect(seen).toHaveLength(7);
  });

  it('a browser (JWT) user reads only their own history; an API key must name the customer', async () => {
    const pi = knownTopUp(h);
    await deliver(h, h.stripe.makeEvent('payment_intent.succeeded', structuredClone(pi)), 'queued');
    const alice = `Bearer ${await jwtFor('cus_alice')}`;
    const own = await get(h, '/ledger', {}, alice);
    expect(own.status, own.text).toBe(200);
    expect(own.body.data.map((e: { id: string }) => e.id)).toEqual([pi.id]);

    const bob = `Bearer ${await jwtFor('cus_bob')}`;
    expectApiError(await get(h, '/ledger', { customer_id: 'cus_alice' }, bob), 403, 'forbidden');
    expectApiError(await get(h, '/top-ups', { customer_id: 'cus_alice' }, bob), 403, 'forbidden');
    expect((await get(h, '/ledger', {}, bob)).body.data).toEqual([]);
    expectApiError(await get(h, '/ledger', {}, apiKeyAuth), 400, 'validation_failed');
    expectApiError(await get(h, '/ledger', { customer_id: 'cus_alice' }, undefined), 401, 'unauthenticated');
    // Another customer's entry is no cursor for this one.
    expectApiError(await get(h, '/ledger', { starting_after: pi.id }, bob), 400, 'validation_failed');
  });

  it.each([
    [{ customer_id: 'cus_alice', limit: '0' }, 'limit'],
    [{ customer_id: 'cus_alice', limit: '101' }, 'limit'],
    [{ customer_id: 'cus_alice', limit: 'ten' }, 'limit'],
    [{ customer_id: 'cus_alice', starting_after: '../x' }, 'starting_after'],
    [{ customer_id: 'not-a-customer' }, 'customer_id'],
    [{ customer_id: 'cus_alice', colour: 'red' }, 'colour'],
  ])('rejects %o naming %s', async (query, field) => {
    const res = await get(h, '/ledger', query, apiKeyAuth);
    expectApiError(res, 400, 'validation_failed');
    expect(res.body.error.fields.map((f: { field: string }) => f.field)).toContain(field);
  });

  it('GET /top-ups lists the customer\'s top-ups newest first with where each credit stands', async () => {
    const first = await h.topUp({ customer_id: 'cus_alice', amount: 1000, currency: 'usd' });
    expect(first.status, first.text).toBe(201);
    const second = await h.topUp({ customer_id: 'cus_alice', amount: 1500, currency: 'usd', payment_method: 'pm_card_chargeDeclined' });
    expect(second.status).toBe(402);
    await drain(h, [first.body.payment_intent_id]);
    const res = await get(h, '/top-ups', { customer_id: 'cus_alice', limit: '1' }, apiKeyAuth);
    expect(res.status, res.text).toBe(200);
    expect(res.body.has_more).toBe(true);
    const rest = await get(h, '/top-ups', { customer_id: 'cus_alice', starting_after: res.body.next_starting_after }, apiKeyAuth);
    const all = [...res.body.data, ...rest.body.data];
    expect(all).toHaveLength(2);
    const succeeded = all.find((t: { payment_intent_id: string }) => t.payment_intent_id === first.body.payment_intent_id);
    expect(succeeded).toMatchObject({ amount: 1000, currency: 'usd', credits: 10, status: 'succeeded', credit_state: 'delivered' });
    const declined = all.find((t: { payment_intent_id: string }) => t.payment_intent_id !== first.body.payment_intent_id);
    expect(declined).toMatchObject({ amount: 1500, credit_state: null });
  });
});

describe('GET /ledger over 250 entries', () => {
  it('returns each entry exactly once, newest first, across pages of 100', async () => {
    const h = await startHarness({ startWorker: false });
    try {
      const T0 = Date.now();
      const ids: string[] = [];
      for (let i = 0; i < 250; i++) {
        const id = `pi_many_${String(i).padStart(3, '0')}`;
        ids.push(id);
        const entry = { transactionId: id, kind: 'credit' as const, customerId: 'cus_alice', companyId: 'cus_alice', subscriptionId: 'sub_alice', amountMinor: 100, currency: 'usd', credits: null, paymentIntentId: id, description: 'd' };
        // Two entries per millisecond: the cursor must break ties by id.
        await h.service.store.outbox.enqueue(entry, 'top-up', T0 + Math.floor(i / 2));
      }
      const seen: string[] = [];
      let after: string | null = null;
      let pages = 0;
      do {
        const res = await get(h, '/ledger', { customer_id: 'cus_alice', limit: '100', ...(after ? { starting_after: after } : {}) }, apiKeyAuth);
        expect(res.status, res.text).toBe(200);
        seen.push(...res.body.data.map((e: { id: string }) => e.id));
        after = res.body.next_starting_after;
        pages += 1;
      } while (after);
      expect(pages).toBe(3);
      expect(seen).toEqual([...ids].reverse());
    } finally {
      await h.stop();
    }
  });
});
