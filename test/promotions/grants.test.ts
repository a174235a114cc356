import { afterEach, describe, expect, it } from 'vitest';
import { ADMIN_KEY, API_KEY, ALICE, BOB, startHarness, waitFor, type Harness } from '../support/harness.js';
import { expectApiError, jwtFor } from '../balances/balance-helpers.js';
import { deliver, drain, knownTopUp } from '../ledger/ledger-helpers.js';
import { dropSchema, postgresUnavailableReason, uniqueSchema, urlWithSchema } from '../store/postgres-available.js';
import { EVENT_SECRET, EventReceiver } from '../outgoing-events/event-receiver.js';

const pgUnavailable = await postgresUnavailableReason();
if (pgUnavailable) process.stderr.write(`\n[skip] ${pgUnavailable}\n`);
const stores = [
  { name: 'SQLite', database: async () => ({ url: 'sqlite::memory:', drop: async () => {} }) },
  ...(pgUnavailable
    ? []
    : [{ name: 'PostgreSQL', database: async () => {
        const schema = uniqueSchema('grants');
        return { url: urlWithSchema(schema), drop: () => dropSchema(schema) };
      } }]),
];
const DAY_MS = 86_400_000;

describe.each(stores)('promotional credits, adjustments and expiry ($name)', ({ database }) => {
  let h: Harness | null = null;
  let receiver: EventReceiver | null = null;
  let drop: () => Promise<void> = async () => {};
  afterEach(async () => {
    await h?.stop();
    await receiver?.stop();
    await drop();
    h = null;
    receiver = null;
  });

  async function start(env: Record<string, string> = {}): Promise<Harness> {
    const db = await database();
    drop = db.drop;
    h = await startHarness({ customers: [ALICE, BOB], env: { LOG_LEVEL: 'silent', DATABASE_URL: db.url, ...env } });
    return h;
  }
  const post = (h: Harness, path: string, body: unknown, key?: string, auth = `Bearer ${ADMIN_KEY}`) => {
    const req = h.http.post(path).set('Authorization', auth);
    if (key !== undefined) req.set('Idempotency-Key', key);
    return req.send(body as object);
  };

  it('a grant retried with the same key is one grant: a Moesif promotion with active_at and expire_at, in history, announced once', async () => {
    receiver = await new EventReceiver().start();
    const h = await start({ EVENT_WEBHOOK_URLS: receiver.hookUrl, EVENT_WEBHOOK_SECRET: EVENT_SECRET });
    h.service.eventWorker?.start();
    const activeAt = '2026-01-01T00:00:00.000Z';
    const expireAt = '2099-01-01T00:00:00.000Z';
    const body = { customer_id: 'cus_alice', amount: '50.5', active_at: activeAt, expire_at: expireAt, reason: 'Sorry for the outage' };
    const first = await post(h, '/admin/grants', body, 'goodwill-42');
    expect(first.status, first.text).toBe(201);
    expect(first.body).toMatchObject({ kind: 'promotion', amount: null, currency: null, credits: 50.5, source: 'grant', stripe_object_id: null, active_at: activeAt, expire_at: expireAt });
    const again = await post(h, '/admin/grants', body, 'goodwill-42');
    expect(again.status, again.text).toBe(200);
    expect(again.body.id).toBe(first.body.id);
    await drain(h, [first.body.id]);
    expect((await post(h, '/admin/grants', body, 'goodwill-42')).status).toBe(200);

    expect(h.moesif.requests.filter((t) => t.transaction_id === first.body.id)).toHaveLength(1);
    expect(h.moesif.ledger.get(first.body.id)).toEqual({
      company_id: 'cus_alice',
      subscription_id: 'sub_alice',
      amount: 50.5,
      type: 'promotion',
      transaction_id: first.body.id,
      description: 'Sorry for the outage',
      active_at: activeAt,
      expire_at: expireAt,
    });
    // The fake Moesif counts it only while active, as Moesif does.
    expect(h.moesif.balanceOf('sub_alice', Date.parse('2025-12-31T00:00:00Z'))).toBe(0);
    expect(h.moesif.balanceOf('sub_alice', Date.parse('2027-01-01T00:00:00Z'))).toBe(50.5);
    expect(h.moesif.balanceOf('sub_alice', Date.parse('2099-01-01T00:00:00Z'))).toBe(0);

    const history = await h.http.get('/ledger').query({ customer_id: 'cus_alice' }).set('Authorization', `Bearer ${API_KEY}`);
    expect(history.body.data).toEqual([expect.objectContaining({ id: first.body.id, kind: 'promotion', state: 'delivered', credits: 50.5 })]);
    await waitFor(() => receiver!.ofType('promotion.granted').length === 1, 5_000, 'promotion.granted');
    expect(receiver.ofType('promotion.granted')[0]?.data).toMatchObject({ id: first.body.id, credits: 50.5, customer_id: 'cus_alice' });

    // The same key with another body is refused, and changes nothing.
    expectApiError(await post(h, '/admin/grants', { ...body, amount: 60 }, 'goodwill-42'), 409, 'idempotency_key_reused');
    expect(h.moesif.ledger.size).toBe(1);
  });

  it('a grant not yet delivered is not a top-up "arriving" in GET /balance', async () => {
    const h = await start();
    await h.service.worker.stop();
    expect((await post(h, '/admin/grants', { customer_id: 'cus_alice', amount: 5 }, 'pending-grant')).status).toBe(201);
    const balance = await h.http.get('/balance').query({ customer_id: 'cus_alice' }).set('Authorization', `Bearer ${API_KEY}`);
    expect(balance.status, balance.text).toBe(200);
    expect(balance.body).toMatchObject({ in_flight: [], in_flight_credits: 0 });
  });

  it('an adjustment is signed: a negative one reaches Moesif as a negative adjustment with its reason', async () => {
    const h = await start();
    const res = await post(h, '/admin/adjustments', { customer_id: 'cus_bob', amount: -5.25, reason: 'Double-counted usage' }, 'fix-1');
    expect(res.status, res.text).toBe(201);
    expect(res.body).toMatchObject({ kind: 'adjustment', credits: -5.25, source: 'grant', expire_at: null });
    await drain(h, [res.body.id]);
    expect(h.moesif.ledger.get(res.body.id)).toMatchObject({ type: 'adjustment', amount: -5.25, description: 'Double-counted usage', subscription_id: 'sub_bob' });
    expect(h.moesif.ledger.get(res.body.id)).not.toHaveProperty('expire_at');
    expect(h.moesif.balanceOf('sub_bob')).toBe(-5.25);
  });

  it('only ADMIN_API_KEY may grant or adjust: a top-up key or a browser token is refused and nothing is queued', async () => {
    const h = await start();
    const jwt = `Bearer ${await jwtFor('cus_alice')}`;
    for (const auth of [jwt, `Bearer ${API_KEY}`, 'Bearer nope']) {
      expectApiError(await post(h, '/admin/grants', { customer_id: 'cus_alice', amount: 10 }, 'k', auth), 401, 'unauthenticated');
      expectApiError(await post(h, '/admin/adjustments', { customer_id: 'cus_alice', amount: 10, reason: 'r' }, 'k', auth), 401, 'unauthenticated');
    }
    expect(await h.service.store.outbox.list({ limit: 10 })).toEqual([]);
  });

  it.each([
    ['/admin/grants', { customer_id: 'cus_alice', amount: 10 }, undefined, 'Idempotency-Key'],
    ['/admin/grants', { customer_id: 'cus_alice', amount: 0 }, 'k', 'amount'],
    ['/admin/grants', { customer_id: 'cus_alice', amount: '1.0000001' }, 'k', 'amount'],
    ['/admin/grants', { customer_id: 'cus_alice', amount: 10, expire_at: 'tomorrow' }, 'k', 'expire_at'],
    ['/admin/grants', { customer_id: 'cus_alice', amount: 10, active_at: '2027-01-02T00:00:00Z', expire_at: '2027-01-01T00:00:00Z' }, 'k', 'expire_at'],
    ['/admin/adjustments', { customer_id: 'cus_alice', amount: 3 }, 'k', 'reason'],
    ['/admin/adjustments', { customer_id: 'cus_alice', amount: 0, reason: 'r' }, 'k', 'amount'],
  ])('%s %o (key %s) is refused naming %s', async (path, body, key, field) => {
    const h = await start();
    const res = await post(h, path, body, key);
    expectApiError(res, 400, 'validation_failed');
    expect(res.body.error.fields.map((f: { field: string }) => f.field)).toContain(field);
    expect(await h.service.store.outbox.list({ limit: 10 })).toEqual([]);
  });

  it('a subscription that is not the customer\'s is refused before anything is queued', async () => {
    const h = await start();
    expectApiError(await post(h, '/admin/grants', { customer_id: 'cus_alice', subscription_id: 'sub_bob', amount: 10 }, 'k'), 422, 'subscription_not_owned');
    expectApiError(await post(h, '/admin/grants', { customer_id: 'cus_nobody', amount: 10 }, 'k2'), 422, 'customer_not_found');
    expect(await h.service.store.outbox.list({ limit: 10 })).toEqual([]);
  });

  it('CREDIT_EXPIRY: a purchased credit lands in Moesif with expire_at = when it was recorded + the expiry', async () => {
    const h = await start({ CREDIT_EXPIRY: '365d' });
    const pi = knownTopUp(h);
    await deliver(h, h.stripe.makeEvent('payment_intent.succeeded', structuredClone(pi)), 'queued');
    await drain(h, [pi.id]);
    const entry = await h.service.store.outbox.get(pi.id);
    const expected = new Date(entry!.createdAt + 365 * DAY_MS).toISOString();
    expect(h.moesif.ledger.get(pi.id)).toMatchObject({ type: 'credit', amount: 10, expire_at: expected });
    expect(h.moesif.ledger.get(pi.id)).not.toHaveProperty('active_at');
    const history = await h.http.get('/ledger').query({ customer_id: 'cus_alice' }).set('Authorization', `Bearer ${API_KEY}`);
    expect(history.body.data[0]).toMatchObject({ id: pi.id, expire_at: expected });
    expect(h.moesif.balanceOf('sub_alice', entry!.createdAt + 364 * DAY_MS)).toBe(10);
    expect(h.moesif.balanceOf('sub_alice', entry!.createdAt + 366 * DAY_MS)).toBe(0);
  });

  it('without CREDIT_EXPIRY purchased credits never expire', async () => {
    const h = await start();
    const pi = knownTopUp(h);
    await deliver(h, h.stripe.makeEvent('payment_intent.succeeded', structuredClone(pi)), 'queued');
    await drain(h, [pi.id]);
    expect(h.moesif.ledger.get(pi.id)).not.toHaveProperty('expire_at');
  });
});
