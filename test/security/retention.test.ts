import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LedgerEntry } from '../../src/ledger/ledger-entry.js';
import { createLogger } from '../../src/logging/logger.js';
import { pruneOldRows } from '../../src/retention/prune-old-rows.js';
import { retentionCutoffs } from '../../src/retention/retention-policy.js';
import { RetentionScheduler } from '../../src/retention/retention-scheduler.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { BILLING_ENV, createSession, linkPath } from '../billing-page/billing-helpers.js';
import { ALICE, startHarness, topUpPaymentIntent, waitFor, type Harness } from '../support/harness.js';

/**
 * Issue 8, item 10: stripe_events (raw payloads), idempotency keys, top-ups and delivered outbox
 * rows grew forever. RETENTION_DAYS (90) now bounds them, never below what exactly-once needs
 * (events 4 days: Stripe retries for 3; idempotency keys 2 days: Stripe forgets after 1;
 * delivered credits 35 days: Stripe lists events for 30), pruned in small batches by one
 * instance at a time; undelivered credits are never deleted.
 */
const DAY = 24 * 3600 * 1000;

describe('issue 8 #10: the cutoffs', () => {
  it('RETENTION_DAYS applies to everything, except where exactly-once needs longer', () => {
    const now = 1_900_000_000_000;
    expect(retentionCutoffs(90, now)).toEqual({
      events: now - 90 * DAY,
      idempotencyKeys: now - 90 * DAY,
      deliveredOutbox: now - 90 * DAY,
      topUps: now - 90 * DAY,
      deliveredEvents: now - 90 * DAY,
      autoRechargeAttempts: now - 90 * DAY,
      autoRechargeHistory: now - 90 * DAY,
    });
    expect(retentionCutoffs(1, now)).toEqual({
      events: now - 4 * DAY,
      idempotencyKeys: now - 2 * DAY,
      deliveredOutbox: now - 35 * DAY,
      topUps: now - 15 * DAY,
      deliveredEvents: now - 7 * DAY,
      autoRechargeAttempts: now - 62 * DAY,
      autoRechargeHistory: now - 62 * DAY,
    });
  });
});

describe('issue 8 #10: a service pruning its own data as the days pass (RETENTION_DAYS=1)', () => {
  let h: Harness;
  let offsetMs = 0;
  const now = () => Date.now() + offsetMs;
  const credited: string[] = [];
  let eventId = '';
  let deadId = '';
  let failedId = '';
  let eventBody: Parameters<Harness['postEvent']>[0];

  beforeAll(async () => {
    h = await startHarness({
      env: { LOG_LEVEL: 'silent', RETENTION_DAYS: '1' },
      customers: [ALICE, { id: 'cus_nosub', defaultPaymentMethod: 'pm_card_visa', paymentMethods: ['pm_card_visa'], subscriptions: [] }],
      now,
    });
    // A webhook credit, a /top-up credit with an Idempotency-Key, one Moesif refuses, one with no subscription to credit.
    const pi = topUpPaymentIntent();
    eventBody = h.stripe.makeEvent('payment_intent.succeeded', pi);
    eventId = eventBody.id;
    expect((await h.postEvent(eventBody)).body.outcome).toBe('queued');
    const topUp = await h.topUp({ customer_id: 'cus_alice', amount: 2000, currency: 'usd' }, 'order-1');
    expect(topUp.status).toBe(201);
    credited.push(pi.id, topUp.body.payment_intent_id as string);
    await waitFor(async () => (await h.service.store.outbox.countByState()).delivered === 2, 15_000, 'two credits delivered');
    h.moesif.respondWith(400);
    const refused = topUpPaymentIntent();
    deadId = refused.id;
    await h.postEvent(h.stripe.makeEvent('payment_intent.succeeded', refused));
    const orphan = topUpPaymentIntent({ customer: 'cus_nosub', metadata: { topup_sync: 'v1', moesif_company_id: 'cus_nosub' } });
    failedId = orphan.id;
    await h.postEvent(h.stripe.makeEvent('payment_intent.succeeded', orphan));
    await waitFor(async () => {
      const counts = await h.service.store.outbox.countByState();
      return counts.dead === 1 && counts.failed === 1;
    }, 15_000, 'one dead, one failed');
  }, 60_000);
  afterAll(async () => {
    await h.stop();
  });

  it('day 3: idempotency keys are gone (floor 2 days); event ids stay (Stripe may still redeliver)', async () => {
    offsetMs = 3 * DAY;
    const result = await h.service.pruneNow();
    expect(result).toMatchObject({ idempotencyKeys: 1, events: 0, deliveredOutbox: 0, topUps: 0 });
    expect(await h.service.store.events.get(eventId)).not.toBeNull();
    expect((await h.postEvent(eventBody)).body.outcome).toBe('duplicate');
  });

  it('day 5: event ids are gone; a late redelivery is still credited once (the outbox entry is the guard)', async () => {
    offsetMs = 5 * DAY;
    expect(await h.service.pruneNow()).toMatchObject({ events: 3 });
    expect(await h.service.store.events.get(eventId)).toBeNull();
    const accepted = h.moesif.accepted.length;
    const redelivered = await h.postEvent(eventBody);
    expect(redelivered.status).toBe(200);
    await new Promise((r) => setTimeout(r, 150));
    expect(h.moesif.accepted.length).toBe(accepted);
    expect(h.moesif.ledger.size).toBe(2);
  });

  it('day 36: delivered credits and top-ups are gone; the dead and failed credits (still owed) stay', async () => {
    offsetMs = 36 * DAY;
    const result = await h.service.pruneNow();
    expect(result).toMatchObject({ deliveredOutbox: 2, topUps: 1 });
    for (const id of credited) expect(await h.service.store.outbox.get(id)).toBeNull();
    expect((await h.service.store.outbox.get(deadId))?.state).toBe('dead');
    expect((await h.service.store.outbox.get(failedId))?.state).toBe('failed');
    expect(await h.service.store.outbox.countByState()).toEqual({ pending: 0, delivered: 0, failed: 1, dead: 1 });

    offsetMs = 3_000 * DAY;
    await h.service.pruneNow();
    expect(await h.service.store.outbox.countByState()).toEqual({ pending: 0, delivered: 0, failed: 1, dead: 1 });
  });

  it('the deletions are counted in /metrics', async () => {
    const text = await h.service.metrics.registry.getSingleMetricAsString('topup_sync_retention_deleted_total');
    expect(text).toMatch(/kind="deliveredOutbox"\} 2/);
    expect(text).toMatch(/kind="idempotencyKeys"\} 1/);
  });
});

describe('issue 8 #10: billing links and sessions that ended are deleted by the retention pass', () => {
  let h: Harness;
  let offsetMs = 0;
  beforeAll(async () => {
    h = await startHarness({ env: { LOG_LEVEL: 'silent', ...BILLING_ENV }, customers: [ALICE], now: () => Date.now() + offsetMs });
  });
  afterAll(async () => {
    await h.stop();
  });

  it('an unused link (5 min) and an idle session (1 h) are gone after the next pass; a live session stays', async () => {
    linkPath(await createSession(h)); // never opened
    const opened = await h.http.get(linkPath(await createSession(h)));
    expect(opened.status).toBe(200);
    // Two hours later, with no new link made since (making one also sweeps a few): the pass removes them.
    offsetMs = 2 * 3_600_000;
    const live = await h.http.get(linkPath(await createSession(h)));
    expect(live.status).toBe(200);
    const cookie = ([] as string[]).concat(live.headers['set-cookie'] ?? [])[0]!.split(';')[0]!;
    // The link sweep above already took the old rows at most 100 at a time; make more old ones to
    // see the pass itself delete them.
    offsetMs = 0;
    for (let i = 0; i < 3; i++) linkPath(await createSession(h));
    offsetMs = 2 * 3_600_000;
    const result = await h.service.pruneNow();
    expect(result?.billingSessions).toBe(3);
    expect((await h.service.pruneNow())?.billingSessions).toBe(0);
    // The live session still opens the page; only it (and its redeemed link, if kept) remain.
    expect((await h.http.get('/billing').set('Cookie', cookie)).status).toBe(200);
    const text = await h.service.metrics.registry.getSingleMetricAsString('topup_sync_retention_deleted_total');
    expect(text).toMatch(/kind="billingSessions"\} 3/);
  });
});

describe('issue 8 #10: small batches, one instance at a time', () => {
  const T0 = 1_900_000_000_000;
  let store: SqliteStore;
  beforeAll(async () => {
    store = new SqliteStore(':memory:');
    for (let i = 0; i < 1_234; i++) {
      await store.events.record({ id: `evt_b${i}`, type: 'customer.created', created: 1, livemode: false, payload: '{}', outcome: 'ignored', note: '' }, [], T0);
    }
  });
  afterAll(async () => {
    await store.close();
  });

  it('deletes at most batchSize rows per statement, yielding between batches, and stops at maxBatches', async () => {
    let yields = 0;
    const between = async () => {
      yields += 1;
      return true;
    };
    const capped = await pruneOldRows({ store, now: () => T0 + 100 * 86_400_000, retentionDays: 90, batchSize: 100, maxBatches: 5, between });
    expect(capped.events).toBe(500);
    yields = 0;
    const rest = await pruneOldRows({ store, now: () => T0 + 100 * 86_400_000, retentionDays: 90, batchSize: 100, maxBatches: 100, between });
    expect(rest.events).toBe(734);
    expect(yields).toBeGreaterThanOrEqual(8);
  });

  it('a second instance gets nothing to do while the first holds the lease', async () => {
    const logger = createLogger('silent');
    const now = () => T0;
    const a = new RetentionScheduler({ store, now, logger, retentionDays: 90 });
    const b = new RetentionScheduler({ store, now, logger, retentionDays: 90 });
    expect(await a.runOnce()).not.toBeNull();
    expect(await b.runOnce()).toBeNull();
    expect(await a.runOnce()).not.toBeNull();
  });

  it('RETENTION_DAYS=0 keeps everything', async () => {
    const entry: LedgerEntry = { transactionId: 'pi_keep', kind: 'credit', customerId: 'cus_a', companyId: 'cus_a', subscriptionId: null, amountMinor: 100, currency: 'usd', credits: null, paymentIntentId: 'pi_keep', description: 'x' };
    await store.outbox.enqueue(entry, 'x', T0);
    const [claim] = await store.outbox.claimDue(T0, 1, 1_000);
    await store.outbox.markDelivered(claim!, T0);
    const keepAll = new RetentionScheduler({ store, now: () => T0 + 10_000 * 86_400_000, logger: createLogger('silent'), retentionDays: 0 });
    expect(await keepAll.runOnce()).toMatchObject({ deliveredOutbox: 0 });
    expect(await store.outbox.get('pi_keep')).not.toBeNull();
  });
});
