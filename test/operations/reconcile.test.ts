import type Stripe from 'stripe';
import { afterEach, describe, expect, it } from 'vitest';
import { CURSOR_KEY } from '../../src/reconcile/reconcile-events.js';
import { HANDLED_EVENT_TYPES } from '../../src/webhooks/translate-event.js';
import { harnessPerTest, topUpPaymentIntent, waitFor, type Harness } from '../support/harness.js';
import { RecordingProxy } from './recording-proxy.js';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const nowS = () => Math.floor(Date.now() / 1000);

/** Missed webhooks: events that exist at Stripe but were never posted to us. */
function missedTopUp(h: Harness, created?: number): { event: Stripe.Event; pi: Stripe.PaymentIntent } {
  const pi = topUpPaymentIntent();
  return { event: h.stripe.makeEvent('payment_intent.succeeded', pi, created), pi };
}

/** How many times Moesif accepted each transaction id. */
function acceptedCounts(h: Harness): Map<string, number> {
  const counts = new Map<string, number>();
  for (const tx of h.moesif.accepted) counts.set(tx.transaction_id, (counts.get(tx.transaction_id) ?? 0) + 1);
  return counts;
}

describe('reconciliation against Stripe events (missed webhooks)', () => {
  const proxies: RecordingProxy[] = [];
  afterEach(async () => {
    for (const p of proxies.splice(0)) await p.stop();
  });
  // Registered after the proxies' hook, so (hooks run last-registered first) harnesses stop first.
  const harness = harnessPerTest();

  it('finds events Stripe has but never delivered, credits each exactly once; webhook-received ones are duplicates', async () => {
    const h = await harness();
    const missed = [missedTopUp(h), missedTopUp(h), missedTopUp(h)];
    const received = missedTopUp(h);
    const res = await h.postEvent(received.event);
    expect(res.status).toBe(200);
    expect(res.body.outcome).toBe('queued');

    const result = await h.service.reconcileNow(nowS() - 3600);
    expect(result).toMatchObject({ found: 4, queued: 3, duplicate: 1, ignored: 0 });

    const all = [...missed, received].map((m) => m.pi.id);
    await waitFor(() => all.every((id) => h.moesif.ledger.has(id)), 5_000, 'every credit at Moesif');
    // Moesif's answer reaches the store a moment after the credit reaches Moesif.
    await waitFor(async () => (await h.service.store.outbox.countByState()).delivered === all.length, 5_000, 'every entry delivered');
    for (const { pi } of missed) {
      expect(h.moesif.ledger.get(pi.id)).toMatchObject({ transaction_id: pi.id, amount: 10, type: 'credit', company_id: 'cus_alice', subscription_id: 'sub_alice' });
      expect((await h.service.store.outbox.get(pi.id))?.state).toBe('delivered');
    }

    // A second sweep over the same window changes nothing.
    const again = await h.service.reconcileNow(nowS() - 3600);
    expect(again).toMatchObject({ found: 4, queued: 0, duplicate: 4, ignored: 0 });
    await sleep(200); // give a (wrong) second delivery the time to happen
    const counts = acceptedCounts(h);
    expect(h.moesif.ledger.size).toBe(4);
    expect([...counts.values()].every((n) => n === 1), JSON.stringify([...counts])).toBe(true);
    expect(h.moesif.accepted).toHaveLength(4);
  });

  it('asks Stripe only for the handled event types (unhandled ones are never read or stored)', async () => {
    // A recording proxy in front of the fake Stripe keeps the query strings of /v1/events.
    const proxy = await new RecordingProxy('').start();
    proxies.push(proxy);
    const h = await harness({ STRIPE_API_BASE: proxy.url });
    proxy.upstream = h.stripe.url;

    const unhandledA = h.stripe.makeEvent('customer.created', { id: 'cus_new', object: 'customer' });
    const unhandledB = h.stripe.makeEvent('charge.succeeded', { id: 'ch_1', object: 'charge', payment_intent: 'pi_x' });
    const credit = missedTopUp(h);
    const processing = h.stripe.makeEvent('payment_intent.processing', topUpPaymentIntent({ status: 'processing' }));

    const since = nowS() - 600;
    const result = await h.service.reconcileNow(since);
    expect(result).toMatchObject({ since, found: 2, queued: 1, duplicate: 0, ignored: 1 });

    const listCalls = proxy.requests.filter((r) => r.method === 'GET' && r.url.startsWith('/v1/events'));
    expect(listCalls.length).toBeGreaterThanOrEqual(1);
    for (const call of listCalls) {
      const query = new URLSearchParams(call.url.slice(call.url.indexOf('?') + 1));
      const types = [...query.entries()].filter(([k]) => /^types\[\d*\]$/.test(k)).map(([, v]) => v);
      expect(types.sort()).toEqual([...HANDLED_EVENT_TYPES].sort());
      expect(types).not.toContain('customer.created');
      expect(types).not.toContain('charge.succeeded');
      expect(query.get('created[gte]')).toBe(String(since));
    }
    expect(await h.service.store.events.get(unhandledA.id)).toBeNull();
    expect(await h.service.store.events.get(unhandledB.id)).toBeNull();
    expect(await h.service.store.events.get(processing.id)).toMatchObject({ outcome: 'ignored' });
    await waitFor(() => h.moesif.ledger.has(credit.pi.id), 5_000, 'the credit at Moesif');
  });

  it('cursor: a run without since starts at the newest event seen minus 10 minutes; older events are not re-read', async () => {
    const h = await harness();
    const t = nowS();
    const old = missedTopUp(h, t - 3 * 3600);
    const mid = missedTopUp(h, t - 20 * 60);
    const recent = missedTopUp(h, t - 60);

    // First run: no cursor yet, so the first look-back (72 h by default) applies.
    expect(await h.service.store.state.get(CURSOR_KEY)).toBeNull();
    const first = await h.service.reconcileNow();
    expect(first).toMatchObject({ found: 3, queued: 3, duplicate: 0 });
    expect(Math.abs(first.since - (t - 72 * 3600))).toBeLessThanOrEqual(5);
    expect(await h.service.store.state.get(CURSOR_KEY)).toBe(String(recent.event.created));

    const fresh = missedTopUp(h, nowS());
    const second = await h.service.reconcileNow();
    expect(second.since).toBe(recent.event.created - 600);
    // Only `recent` (already recorded) and `fresh`; `mid` (20 min old) and `old` are before the window.
    expect(second).toMatchObject({ found: 2, queued: 1, duplicate: 1, ignored: 0 });
    expect(await h.service.store.state.get(CURSOR_KEY)).toBe(String(fresh.event.created));

    await waitFor(() => [old, mid, recent, fresh].every((m) => h.moesif.ledger.has(m.pi.id)), 5_000, 'all four credits');
    expect(h.moesif.accepted).toHaveLength(4);

    // An explicit since never moves the cursor backwards.
    const explicit = await h.service.reconcileNow(t - 4 * 3600);
    expect(explicit).toMatchObject({ found: 4, duplicate: 4, queued: 0 });
    expect(await h.service.store.state.get(CURSOR_KEY)).toBe(String(fresh.event.created));
  });

  it('first run without a cursor looks back RECONCILE_LOOKBACK_HOURS only', async () => {
    const h = await harness({ RECONCILE_LOOKBACK_HOURS: '1' });
    const t = nowS();
    missedTopUp(h, t - 2 * 3600);
    const inside = missedTopUp(h, t - 30 * 60);
    const result = await h.service.reconcileNow();
    expect(result).toMatchObject({ found: 1, queued: 1 });
    expect(Math.abs(result.since - (t - 3600))).toBeLessThanOrEqual(5);
    await waitFor(() => h.moesif.ledger.has(inside.pi.id), 5_000, 'the credit inside the look-back');
  });

  it('a failed sweep (Stripe down) leaves the cursor where it was', async () => {
    const h = await harness();
    missedTopUp(h, nowS() - 60);
    const ok = await h.service.reconcileNow();
    expect(ok.found).toBe(1);
    const cursor = await h.service.store.state.get(CURSOR_KEY);
    missedTopUp(h, nowS());
    h.stripe.failNext(500, 500, 500, 500, 500, 500); // outlasts stripe-node's 2 network retries
    await expect(h.service.reconcileNow()).rejects.toThrow();
    expect(await h.service.store.state.get(CURSOR_KEY)).toBe(cursor);
  });

  it('pagination: more than 100 events (3 pages) are all found and credited exactly once', async () => {
    const h = await harness();
    const t = nowS();
    const missed = Array.from({ length: 250 }, (_, i) => missedTopUp(h, t - 3000 + (i % 50) * 60));
    const eventsCallsBefore = h.stripe.requests.filter((r) => r.path === '/v1/events').length;

    const result = await h.service.reconcileNow(t - 3600);
    expect(result).toMatchObject({ found: 250, queued: 250, duplicate: 0, ignored: 0 });
    expect(h.stripe.requests.filter((r) => r.path === '/v1/events').length - eventsCallsBefore).toBe(3);

    await waitFor(() => h.moesif.ledger.size === 250, 15_000, '250 credits at Moesif');
    for (const { pi } of missed) expect(h.moesif.ledger.has(pi.id)).toBe(true);
    await sleep(100);
    expect(h.moesif.accepted).toHaveLength(250);
    expect(await h.service.store.outbox.countByState()).toEqual({ pending: 0, delivered: 250, failed: 0, dead: 0 });
  });
});
