import { afterEach, describe, expect, it } from 'vitest';
import type { FakeCustomer } from '../../src/simulators/stripe/fake-stripe.js';
import { ADMIN_KEY, ALICE, BOB, startHarness, waitFor, type Harness } from '../support/harness.js';
import { deliver, drain, knownTopUp, makeRefund } from '../ledger/ledger-helpers.js';
import { dropSchema, postgresUnavailableReason, uniqueSchema, urlWithSchema } from '../store/postgres-available.js';
import { EVENT_SECRET, EventReceiver } from './event-receiver.js';

const NO_SUBSCRIPTION: FakeCustomer = { id: 'cus_nosub', paymentMethods: ['pm_card_visa'], defaultPaymentMethod: 'pm_card_visa', subscriptions: [] };
const pgUnavailable = await postgresUnavailableReason();
if (pgUnavailable) process.stderr.write(`\n[skip] ${pgUnavailable}\n`);

const stores = [
  { name: 'SQLite', database: async () => ({ url: 'sqlite::memory:', drop: async () => {} }) },
  ...(pgUnavailable
    ? []
    : [
        {
          name: 'PostgreSQL',
          database: async () => {
            const schema = uniqueSchema('events_out');
            return { url: urlWithSchema(schema), drop: () => dropSchema(schema) };
          },
        },
      ]),
];

describe.each(stores)('outgoing events ($name)', ({ database }) => {
  let h: Harness | null = null;
  let receiver: EventReceiver | null = null;
  let drop: () => Promise<void> = async () => {};
  afterEach(async () => {
    await h?.stop();
    await receiver?.stop();
    await drop();
    h = null;
  });

  async function start(env: Record<string, string> = {}, customers = [ALICE, BOB, NO_SUBSCRIPTION]) {
    receiver = await new EventReceiver().start();
    const db = await database();
    drop = db.drop;
    h = await startHarness({
      customers,
      env: { LOG_LEVEL: 'silent', DATABASE_URL: db.url, EVENT_WEBHOOK_URLS: receiver.hookUrl, EVENT_WEBHOOK_SECRET: EVENT_SECRET, CREDIT_RATES: 'eur:1.08', ...env },
    });
    h.service.eventWorker?.start();
    return { h, receiver };
  }

  it('signs credit.delivered and debit.delivered so the standardwebhooks package verifies them, with money as minor units and credits', async () => {
    const { h, receiver } = await start();
    const pi = knownTopUp(h, { amount: 2000, amount_received: 2000, currency: 'eur' });
    await deliver(h, h.stripe.makeEvent('payment_intent.succeeded', structuredClone(pi)), 'queued');
    await drain(h, [pi.id]);
    const refund = makeRefund(pi.id, { amount: 500, currency: 'eur' });
    await deliver(h, h.stripe.makeEvent('refund.created', refund), 'queued');
    await waitFor(() => receiver.accepted.length === 2, 5_000, 'two events');
    expect(receiver.badSignatures).toBe(0);
    const [credit, debit] = receiver.accepted;
    expect(credit).toMatchObject({
      type: 'credit.delivered',
      id: expect.stringMatching(/^msg_[0-9a-f]{32}$/),
      created_at: expect.any(String),
      data: { customer_id: 'cus_alice', id: pi.id, kind: 'credit', amount: 2000, currency: 'eur', credits: 21.6, source: 'top-up', state: 'delivered', subscription_id: 'sub_alice' },
    });
    expect(debit).toMatchObject({ type: 'debit.delivered', data: { id: refund.id, kind: 'debit', amount: -500, credits: -5.4, source: 'refund' } });
  });

  it('a receiver down for a while, then back, gets every event once, in order per customer', async () => {
    const { h, receiver } = await start();
    receiver.answer = 503;
    const written: Record<string, string[]> = { cus_alice: [], cus_bob: [] };
    for (let i = 0; i < 4; i++) {
      for (const customer of ['cus_alice', 'cus_bob']) {
        const sub = customer === 'cus_alice' ? 'sub_alice' : 'sub_bob';
        const pi = knownTopUp(h, { customer, metadata: { topup_sync: 'v1', moesif_company_id: customer, moesif_subscription_id: sub } });
        await deliver(h, h.stripe.makeEvent('payment_intent.succeeded', structuredClone(pi)), 'queued');
        await drain(h, [pi.id], 0);
      }
    }
    await waitFor(() => receiver.attempts.length >= 6, 5_000, 'the receiver being tried while down');
    // While down, only the first event of each customer is attempted: later ones wait behind it.
    const stored = await h.service.store.eventsOut.list({ limit: 100 });
    expect(stored).toHaveLength(8);
    for (const row of [...stored].sort((a, b) => a.seq - b.seq)) written[row.customerId]!.push(row.eventId);
    expect(new Set(receiver.attempts)).toEqual(new Set([written.cus_alice![0], written.cus_bob![0]]));

    receiver.answer = null;
    await waitFor(() => receiver.accepted.length >= 8, 10_000, 'all 8 events');
    await new Promise((r) => setTimeout(r, 100));
    const ids = receiver.accepted.map((e) => e.id);
    expect(ids).toHaveLength(8);
    expect(new Set(ids).size).toBe(8);
    for (const customer of ['cus_alice', 'cus_bob']) {
      expect(receiver.accepted.filter((e) => e.data.customer_id === customer).map((e) => e.id)).toEqual(written[customer]);
    }
    expect((await h.service.store.eventsOut.list({ state: 'delivered', limit: 100 })).length).toBe(8);
  });

  it('a 4xx other than 408/429 is dead and kept; replayed from the admin API it arrives with the same id', async () => {
    const { h, receiver } = await start();
    receiver.answer = 410;
    const pi = knownTopUp(h);
    await deliver(h, h.stripe.makeEvent('payment_intent.succeeded', structuredClone(pi)), 'queued');
    await waitFor(async () => (await h.service.store.eventsOut.list({ state: 'dead', limit: 10 })).length === 1, 5_000, 'dead event');
    const [dead] = await h.service.store.eventsOut.list({ state: 'dead', limit: 10 });
    expect(dead).toMatchObject({ attempts: 1, lastStatus: 410, lastError: expect.stringContaining('410') });
    expect(receiver.attempts).toEqual([dead!.eventId]);

    const listed = await h.http.get('/admin/outgoing-events?state=dead').set('Authorization', `Bearer ${ADMIN_KEY}`);
    expect(listed.status).toBe(200);
    expect(listed.body.events.map((e: { eventId: string }) => e.eventId)).toEqual([dead!.eventId]);
    expect((await h.http.post(`/admin/outgoing-events/${dead!.eventId}/replay`)).status).toBe(401);

    receiver.answer = null;
    const replay = await h.http.post(`/admin/outgoing-events/${dead!.eventId}/replay`).set('Authorization', `Bearer ${ADMIN_KEY}`);
    expect(replay.status, replay.text).toBe(200);
    expect(replay.body).toEqual({ requeued: 1, event_id: dead!.eventId });
    await waitFor(() => receiver.accepted.length === 1, 5_000, 'replayed event');
    expect(receiver.accepted[0]).toMatchObject({ id: dead!.eventId, type: 'credit.delivered' });
    const unknown = await h.http.post(`/admin/outgoing-events/msg_${'0'.repeat(32)}/replay`).set('Authorization', `Bearer ${ADMIN_KEY}`);
    expect(unknown.status).toBe(404);
  });

  it('408 and 429 are retried, not dead', async () => {
    const { h, receiver } = await start();
    receiver.answer = 429;
    const pi = knownTopUp(h);
    await deliver(h, h.stripe.makeEvent('payment_intent.succeeded', structuredClone(pi)), 'queued');
    await waitFor(() => receiver.attempts.length >= 2, 5_000, 'a retry after 429');
    receiver.answer = 408;
    await waitFor(() => receiver.attempts.length >= 3, 5_000, 'a retry after 408');
    receiver.answer = null;
    await waitFor(() => receiver.accepted.length === 1, 5_000, 'delivered');
    expect(await h.service.store.eventsOut.list({ state: 'dead', limit: 10 })).toEqual([]);
  });

  it('ledger_entry.failed says why a credit was parked or refused', async () => {
    const { h, receiver } = await start();
    const parked = knownTopUp(h, { customer: 'cus_nosub', metadata: { topup_sync: 'v1', moesif_company_id: 'cus_nosub' } });
    await deliver(h, h.stripe.makeEvent('payment_intent.succeeded', structuredClone(parked)), 'queued');
    h.moesif.respondWith(400);
    const refused = knownTopUp(h);
    await deliver(h, h.stripe.makeEvent('payment_intent.succeeded', structuredClone(refused)), 'queued');
    await waitFor(() => receiver.ofType('ledger_entry.failed').length === 2, 5_000, 'two failures');
    const byId = Object.fromEntries(receiver.ofType('ledger_entry.failed').map((e) => [e.data.id, e.data]));
    expect(byId[parked.id]).toMatchObject({ state: 'failed', customer_id: 'cus_nosub', reason: expect.stringContaining('subscription') });
    expect(byId[refused.id]).toMatchObject({ state: 'dead', reason: expect.stringContaining('400') });
  });

  it('top_up.payment_failed for a declined top-up, once however often Stripe sends the event', async () => {
    const { h, receiver } = await start();
    const declined = await h.topUp({ customer_id: 'cus_alice', amount: 1500, currency: 'usd', payment_method: 'pm_card_chargeDeclined' });
    expect(declined.status).toBe(402);
    const piId = declined.body.error.payment_intent_id as string;
    const event = h.stripe.makeEvent('payment_intent.payment_failed', { id: piId, object: 'payment_intent', status: 'requires_payment_method' } as never);
    await deliver(h, event);
    await deliver(h, event, 'duplicate');
    await waitFor(() => receiver.ofType('top_up.payment_failed').length === 1, 5_000, 'payment failed event');
    await new Promise((r) => setTimeout(r, 100));
    expect(receiver.ofType('top_up.payment_failed')).toEqual([
      expect.objectContaining({ data: expect.objectContaining({ payment_intent_id: piId, customer_id: 'cus_alice', amount: 1500, currency: 'usd', credits: 15 }) }),
    ]);
  });
});
