import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LedgerEntry } from '../../src/ledger/ledger-entry.js';
import type { Store, StripeEventRecord, TopUpRecord } from '../../src/store/store.js';

/** Behaviour every Store must have; run against each implementation (sqlite-store.test.ts, postgres-store.test.ts). */
export function describeStoreContract(name: string, open: () => Promise<Store>, cleanup: () => Promise<void> = async () => {}): void {
  describe(`${name} store contract`, () => {
    let store: Store;
    const T0 = 1_800_000_000_000;
    let seq = 0;

    const entry = (overrides: Partial<LedgerEntry> = {}): LedgerEntry => ({
      transactionId: `pi_contract_${++seq}`,
      kind: 'credit',
      customerId: 'cus_a',
      companyId: 'cus_a',
      subscriptionId: 'sub_a',
      amountMinor: 1000,
      currency: 'usd',
      credits: null,
      paymentIntentId: `pi_contract_${seq}`,
      description: 'test',
      ...overrides,
    });
    const event = (id: string, overrides: Partial<StripeEventRecord> = {}): StripeEventRecord => ({
      id,
      type: 'payment_intent.succeeded',
      created: 1_700_000_000,
      livemode: false,
      payload: `{"id":"${id}"}`,
      outcome: 'queued',
      note: 'n',
      ...overrides,
    });
    const topUp = (overrides: Partial<TopUpRecord> = {}): TopUpRecord => ({
      paymentIntentId: `pi_t_${++seq}`,
      customerId: 'cus_a',
      companyId: 'cus_a',
      subscriptionId: null,
      amountMinor: 500,
      currency: 'usd',
      credits: null,
      flow: 'off_session',
      status: 'processing',
      caller: 'api_key:key_x',
      createdAt: T0,
      ...overrides,
    });

    beforeEach(async () => {
      store = await open();
    });
    afterEach(async () => {
      await store.close();
      await cleanup();
    });

    it('records an event with its entries once; a redelivery writes nothing', async () => {
      const e = entry();
      expect(await store.events.record(event('evt_1'), [e], T0)).toEqual({ duplicate: false, queued: 1 });
      expect(await store.events.record(event('evt_1'), [entry()], T0)).toEqual({ duplicate: true, queued: 0 });
      expect(await store.events.get('evt_1')).toMatchObject({ id: 'evt_1', type: 'payment_intent.succeeded', created: 1_700_000_000, livemode: false, outcome: 'queued' });
      expect(await store.outbox.get(e.transactionId)).toMatchObject({ state: 'pending', attempts: 0, source: 'event:evt_1', amountMinor: 1000 });
      expect((await store.outbox.countByState()).pending).toBe(1);
    });

    it('keeps the exact credits a pack fixed (null: the amount at CREDIT_RATES), on entries and top-ups', async () => {
      const [pack, plain, t] = [entry({ credits: '11000.000001' }), entry(), topUp({ credits: '500' })];
      await store.events.record(event('evt_credits'), [pack, plain], T0);
      expect([(await store.outbox.get(pack.transactionId))?.credits, (await store.outbox.get(plain.transactionId))?.credits]).toEqual(['11000.000001', null]);
      expect((await store.outbox.claimDue(T0, 1, 60_000))[0]?.credits).toBe('11000.000001');
      await store.topUps.save(t);
      expect(await store.topUps.get(t.paymentIntentId)).toEqual(t);
    });

    it('the transaction id is the final guard: the same entry from two paths is queued once', async () => {
      const e = entry();
      expect(await store.outbox.enqueue(e, 'top-up', T0)).toBe(true);
      expect(await store.outbox.enqueue(e, 'top-up', T0)).toBe(false);
      expect(await store.events.record(event('evt_2'), [e], T0)).toEqual({ duplicate: false, queued: 0 });
      expect((await store.outbox.get(e.transactionId))?.source).toBe('top-up');
    });

    it('invoice lines: one entry per line (in_…:il_…) from any event, each queued once, its exact credits and its debits’ ids kept', async () => {
      const line = (id: string, credits: string | null, amountMinor: number) =>
        entry({ transactionId: `in_contract:${id}`, paymentIntentId: 'in_contract', credits, amountMinor, subscriptionId: null });
      const lines = [line('il_a', '1500', 15000), line('il_b', '22000.5', 20000)];
      expect(await store.events.record(event('evt_invoice_paid', { type: 'invoice.paid' }), lines, T0)).toEqual({ duplicate: false, queued: 2 });
      // The sweep re-reading invoice.paid under another event id, or a second invoice.paid: nothing new.
      expect(await store.events.record(event('evt_invoice_paid_again', { type: 'invoice.paid' }), lines, T0)).toEqual({ duplicate: false, queued: 0 });
      expect(await store.outbox.get('in_contract:il_b')).toMatchObject({ credits: '22000.5', amountMinor: 20000, paymentIntentId: 'in_contract', source: 'event:evt_invoice_paid' });
      const debits = [
        entry({ transactionId: 're_contract:il_a', kind: 'debit', credits: '300', amountMinor: 3000, paymentIntentId: 'in_contract' }),
        entry({ transactionId: 'cn_contract:voided:il_b', kind: 'credit', credits: '2200', amountMinor: 2000, paymentIntentId: 'in_contract' }),
      ];
      expect(await store.events.record(event('evt_refund', { type: 'refund.created' }), debits, T0)).toEqual({ duplicate: false, queued: 2 });
      expect(await store.outbox.get('cn_contract:voided:il_b')).toMatchObject({ kind: 'credit', credits: '2200' });
      expect((await store.outbox.countByState()).pending).toBe(4);
    });

    it('records an ignored event with no entries', async () => {
      expect(await store.events.record(event('evt_3', { outcome: 'ignored', note: 'why' }), [], T0)).toEqual({ duplicate: false, queued: 0 });
      expect(await store.events.get('evt_3')).toMatchObject({ outcome: 'ignored', note: 'why' });
      expect(await store.events.get('evt_missing')).toBeNull();
    });

    it('idempotency keys: new, same (with the PaymentIntent once known), conflict', async () => {
      expect(await store.idempotency.claim('scope1', 'fp1', T0)).toEqual({ kind: 'new' });
      expect(await store.idempotency.claim('scope1', 'fp1', T0 + 5)).toEqual({ kind: 'same', paymentIntentId: null, firstSeenAt: T0 });
      await store.idempotency.complete('scope1', 'pi_1');
      expect(await store.idempotency.claim('scope1', 'fp1', T0)).toEqual({ kind: 'same', paymentIntentId: 'pi_1', firstSeenAt: T0 });
      expect(await store.idempotency.claim('scope1', 'fp2', T0)).toEqual({ kind: 'conflict' });
    });

    it('top-ups: saved once, status tracked, in-flight lists processing and undelivered credits', async () => {
      const processing = topUp();
      const succeeded = topUp({ status: 'succeeded' });
      const old = topUp({ createdAt: T0 - 100 });
      for (const t of [processing, succeeded, old]) await store.topUps.save(t);
      await store.topUps.save({ ...processing, amountMinor: 1 });
      expect(await store.topUps.get(processing.paymentIntentId)).toEqual(processing);
      const credit = entry({ customerId: 'cus_a' });
      await store.outbox.enqueue(credit, 'top-up', T0);
      await store.outbox.enqueue(entry({ customerId: 'cus_other' }), 'top-up', T0);
      const inFlight = await store.topUps.listInFlight('cus_a', T0 - 10, T0);
      expect(inFlight.processing.map((t) => t.paymentIntentId)).toEqual([processing.paymentIntentId]);
      expect(inFlight.undelivered.map((e) => e.transactionId)).toEqual([credit.transactionId]);
      expect(inFlight.recentlyDelivered).toEqual([]);
      await store.topUps.setStatus(processing.paymentIntentId, 'canceled');
      expect((await store.topUps.listInFlight('cus_a', T0 - 10, T0)).processing).toEqual([]);
      const [claimed] = await store.outbox.claimDue(T0, 1, 60_000);
      await store.outbox.markDelivered(claimed!, T0 + 50);
      expect((await store.topUps.listInFlight('cus_a', T0 - 10, T0 + 50)).recentlyDelivered.map((e) => e.transactionId)).toEqual([credit.transactionId]);
      expect((await store.topUps.listInFlight('cus_a', T0 - 10, T0 + 51)).recentlyDelivered).toEqual([]);
      expect((await store.topUps.listInFlight('cus_a', T0 - 10, T0 + 51)).undelivered).toEqual([]);
    });

    it('claims lease entries: a claimed entry is not claimed again until its lease expires', async () => {
      const e = entry();
      await store.outbox.enqueue(e, 'top-up', T0);
      const first = await store.outbox.claimDue(T0, 10, 1_000);
      expect(first.map((c) => c.transactionId)).toEqual([e.transactionId]);
      // Should this attempt be lost, the entry is next tried when its lease ends.
      expect(await store.outbox.get(e.transactionId)).toMatchObject({ state: 'pending', nextAttemptAt: T0 + 1_000 });
      expect(await store.outbox.claimDue(T0 + 500, 10, 1_000)).toEqual([]);
      const takeover = await store.outbox.claimDue(T0 + 1_001, 10, 1_000);
      expect(takeover.map((c) => c.transactionId)).toEqual([e.transactionId]);
      expect(takeover[0]!.leaseToken).not.toBe(first[0]!.leaseToken);
      // The first (crashed, slow) claimant's late result is ignored: only the current lease holder writes.
      await store.outbox.markDelivered(first[0]!, T0 + 1_002);
      expect((await store.outbox.get(e.transactionId))?.state).toBe('pending');
      await store.outbox.markDelivered(takeover[0]!, T0 + 1_003);
      expect(await store.outbox.get(e.transactionId)).toMatchObject({ state: 'delivered', attempts: 1, deliveredAt: T0 + 1_003 });
      expect(await store.outbox.claimDue(T0 + 10_000, 10, 1_000)).toEqual([]);
    });

    it('a renewed lease is not taken over; once renewals stop it is, and the old holder can no longer renew', async () => {
      const slow = entry();
      const done = entry();
      await store.outbox.enqueue(slow, 'top-up', T0);
      await store.outbox.enqueue(done, 'top-up', T0);
      const claims = await store.outbox.claimDue(T0, 10, 1_000);
      expect(claims).toHaveLength(2);
      await store.outbox.markDelivered(claims.find((c) => c.transactionId === done.transactionId)!, T0 + 10);
      // Renewed at T0 + 600 for another 1 000 ms: the delivered one has no lease left to renew.
      expect(await store.outbox.renewLeases(claims, T0 + 1_600)).toBe(1);
      expect((await store.outbox.get(slow.transactionId))?.nextAttemptAt).toBe(T0 + 1_600);
      expect(await store.outbox.claimDue(T0 + 1_200, 10, 1_000)).toEqual([]);
      const takeover = await store.outbox.claimDue(T0 + 1_601, 10, 1_000);
      expect(takeover.map((c) => c.transactionId)).toEqual([slow.transactionId]);
      expect(await store.outbox.renewLeases(claims, T0 + 5_000)).toBe(0);
      expect(await store.outbox.claimDue(T0 + 2_000, 10, 1_000)).toEqual([]);
      expect(await store.outbox.renewLeases([], T0 + 5_000)).toBe(0);
    });

    it('claims at most `limit`, oldest due first, and not entries due later', async () => {
      const a = entry();
      const b = entry();
      const later = entry();
      await store.outbox.enqueue(a, 'x', T0);
      await store.outbox.enqueue(b, 'x', T0 + 1);
      await store.outbox.enqueue(later, 'x', T0 + 5_000);
      const claimed = await store.outbox.claimDue(T0 + 2, 1, 60_000);
      expect(claimed.map((c) => c.transactionId)).toEqual([a.transactionId]);
      expect((await store.outbox.claimDue(T0 + 2, 10, 60_000)).map((c) => c.transactionId)).toEqual([b.transactionId]);
    });

    it('a retry keeps the error and waits until its time', async () => {
      const e = entry();
      await store.outbox.enqueue(e, 'x', T0);
      const [c] = await store.outbox.claimDue(T0, 1, 60_000);
      await store.outbox.scheduleRetry(c!, { error: 'Moesif answered 503', status: 503 }, T0 + 5_000, T0);
      expect(await store.outbox.get(e.transactionId)).toMatchObject({ state: 'pending', attempts: 1, lastError: 'Moesif answered 503', lastStatus: 503, nextAttemptAt: T0 + 5_000 });
      expect(await store.outbox.claimDue(T0 + 4_999, 1, 60_000)).toEqual([]);
      expect(await store.outbox.claimDue(T0 + 5_000, 1, 60_000)).toHaveLength(1);
    });

    it('failed and dead entries keep their reason, are never claimed, and can be requeued', async () => {
      const f = entry({ subscriptionId: null });
      const d = entry();
      await store.outbox.enqueue(f, 'x', T0);
      await store.outbox.enqueue(d, 'x', T0);
      const claimed = await store.outbox.claimDue(T0, 10, 60_000);
      const byId = new Map(claimed.map((c) => [c.transactionId, c]));
      await store.outbox.markUndeliverable(byId.get(f.transactionId)!, 'failed', { error: 'no subscription', status: null }, T0);
      await store.outbox.markUndeliverable(byId.get(d.transactionId)!, 'dead', { error: 'Moesif answered 400: bad', status: 400 }, T0);
      expect(await store.outbox.get(f.transactionId)).toMatchObject({ state: 'failed', attempts: 0, lastError: 'no subscription' });
      expect(await store.outbox.get(d.transactionId)).toMatchObject({ state: 'dead', attempts: 1, lastStatus: 400 });
      expect(await store.outbox.countByState()).toEqual({ pending: 0, delivered: 0, failed: 1, dead: 1 });
      expect(await store.outbox.claimDue(T0 + 1e9, 10, 60_000)).toEqual([]);
      expect(await store.outbox.requeue(d.transactionId, T0 + 10)).toBe(true);
      expect(await store.outbox.requeue(d.transactionId, T0 + 10)).toBe(false);
      expect(await store.outbox.get(d.transactionId)).toMatchObject({ state: 'pending', attempts: 0 });
      expect((await store.outbox.claimDue(T0 + 10, 10, 60_000)).map((c) => c.transactionId)).toEqual([d.transactionId]);
    });

    it('a resolved subscription is stored on the entry', async () => {
      const e = entry({ subscriptionId: null });
      await store.outbox.enqueue(e, 'x', T0);
      const [c] = await store.outbox.claimDue(T0, 1, 60_000);
      await store.outbox.setSubscription(c!, 'sub_resolved', T0);
      expect((await store.outbox.get(e.transactionId))?.subscriptionId).toBe('sub_resolved');
    });

    it('concurrent claims never hand out the same entry twice', async () => {
      const entries = Array.from({ length: 40 }, () => entry());
      for (const e of entries) await store.outbox.enqueue(e, 'x', T0);
      const batches = await Promise.all(Array.from({ length: 8 }, () => store.outbox.claimDue(T0, 7, 60_000)));
      const ids = batches.flat().map((c) => c.transactionId);
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids.length).toBe(40);
    });

    it('lists entries by state and requeues all dead ones', async () => {
      const entries = [entry(), entry(), entry()];
      for (const e of entries) await store.outbox.enqueue(e, 'x', T0);
      const claimed = await store.outbox.claimDue(T0, 10, 60_000);
      await store.outbox.markUndeliverable(claimed[0]!, 'dead', { error: 'e', status: 400 }, T0 + 1);
      await store.outbox.markUndeliverable(claimed[1]!, 'dead', { error: 'e', status: 400 }, T0 + 2);
      expect((await store.outbox.list({ state: 'dead', limit: 10 })).map((e) => e.transactionId)).toEqual([
        claimed[1]!.transactionId,
        claimed[0]!.transactionId,
      ]);
      expect(await store.outbox.list({ limit: 10 })).toHaveLength(3);
      expect(await store.outbox.list({ state: 'dead', limit: 1 })).toHaveLength(1);
      expect(await store.outbox.requeueAll('dead', T0 + 3)).toBe(2);
      expect((await store.outbox.countByState()).pending).toBe(3);
    });

    it('keeps named state and hands a lease to one owner at a time', async () => {
      expect(await store.state.get('cursor')).toBeNull();
      await store.state.set('cursor', '100', T0);
      await store.state.set('cursor', '200', T0);
      expect(await store.state.get('cursor')).toBe('200');
      expect(await store.state.tryAcquireLease('reconcile', 'a', 1_000, T0)).toBe(true);
      expect(await store.state.tryAcquireLease('reconcile', 'b', 1_000, T0 + 10)).toBe(false);
      expect(await store.state.tryAcquireLease('reconcile', 'a', 1_000, T0 + 20)).toBe(true);
      expect(await store.state.tryAcquireLease('reconcile', 'b', 1_000, T0 + 1_021)).toBe(true);
      expect(await store.state.tryAcquireLease('reconcile', 'a', 1_000, T0 + 1_030)).toBe(false);
    });

    it('rate limits: hits count per key in fixed windows; a new window starts at 1; unhit and reset', async () => {
      const W = 60_000;
      expect(await store.rateLimits.hit('k1', W, T0)).toEqual({ hits: 1, resetAt: T0 + W });
      expect(await store.rateLimits.hit('k1', W, T0 + 10)).toEqual({ hits: 2, resetAt: T0 + W });
      expect(await store.rateLimits.hit('k2', W, T0 + 20)).toEqual({ hits: 1, resetAt: T0 + 20 + W });
      await store.rateLimits.unhit('k1', T0 + 30);
      expect(await store.rateLimits.hit('k1', W, T0 + 40)).toEqual({ hits: 2, resetAt: T0 + W });
      // The window ended: a new one starts with this hit.
      expect(await store.rateLimits.hit('k1', W, T0 + W)).toEqual({ hits: 1, resetAt: T0 + 2 * W });
      await store.rateLimits.reset('k2');
      expect(await store.rateLimits.hit('k2', W, T0 + W)).toEqual({ hits: 1, resetAt: T0 + 2 * W });
      // Concurrent hits are all counted.
      const hits = await Promise.all(Array.from({ length: 20 }, () => store.rateLimits.hit('k3', W, T0)));
      expect(hits.map((h) => h.hits).sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    });

    it('rate limits: ended windows are pruned in batches, live ones kept', async () => {
      const W = 1_000;
      for (let i = 0; i < 5; i++) await store.rateLimits.hit(`old${i}`, W, T0);
      await store.rateLimits.hit('live', W, T0 + 5_000);
      expect(await store.rateLimits.pruneExpired(T0 + 5_000, 3)).toBe(3);
      expect(await store.rateLimits.pruneExpired(T0 + 5_000, 3)).toBe(2);
      expect(await store.rateLimits.pruneExpired(T0 + 5_000, 3)).toBe(0);
      expect(await store.rateLimits.hit('live', W, T0 + 5_001)).toEqual({ hits: 2, resetAt: T0 + 6_000 });
    });

    it('retention: events, idempotency keys and top-ups older than the cutoff go, oldest first, a batch at a time', async () => {
      for (let i = 0; i < 5; i++) await store.events.record(event(`evt_old_${i}`, { outcome: 'ignored' }), [], T0 + i);
      await store.events.record(event('evt_new', { outcome: 'ignored' }), [], T0 + 1_000);
      expect(await store.retention.pruneEvents(T0 + 1_000, 2)).toBe(2);
      expect(await store.events.get('evt_old_0')).toBeNull();
      expect(await store.events.get('evt_old_2')).not.toBeNull();
      expect(await store.retention.pruneEvents(T0 + 1_000, 10)).toBe(3);
      expect(await store.retention.pruneEvents(T0 + 1_000, 10)).toBe(0);
      expect(await store.events.get('evt_new')).not.toBeNull();

      await store.idempotency.claim('old', 'fp', T0);
      await store.idempotency.claim('new', 'fp', T0 + 1_000);
      expect(await store.retention.pruneIdempotencyKeys(T0 + 1_000, 10)).toBe(1);
      expect(await store.idempotency.claim('old', 'other', T0 + 2_000)).toEqual({ kind: 'new' });
      expect(await store.idempotency.claim('new', 'other', T0 + 2_000)).toEqual({ kind: 'conflict' });

      const old = topUp({ createdAt: T0 });
      const recent = topUp({ createdAt: T0 + 1_000 });
      for (const t of [old, recent]) await store.topUps.save(t);
      expect(await store.retention.pruneTopUps(T0 + 1_000, 10)).toBe(1);
      expect(await store.topUps.get(old.paymentIntentId)).toBeNull();
      expect(await store.topUps.get(recent.paymentIntentId)).toEqual(recent);
    });

    it('retention: only delivered outbox entries go; pending, failed and dead ones stay however old', async () => {
      const [delivered, deliveredLate, pending, failed, dead] = [entry(), entry(), entry(), entry(), entry()];
      for (const e of [delivered, deliveredLate, pending, failed, dead]) await store.outbox.enqueue(e, 'x', T0);
      const claimed = new Map((await store.outbox.claimDue(T0, 10, 60_000)).map((c) => [c.transactionId, c]));
      await store.outbox.markDelivered(claimed.get(delivered.transactionId)!, T0 + 10);
      await store.outbox.markDelivered(claimed.get(deliveredLate.transactionId)!, T0 + 5_000);
      await store.outbox.scheduleRetry(claimed.get(pending.transactionId)!, { error: 'e', status: 503 }, T0 + 20, T0 + 10);
      await store.outbox.markUndeliverable(claimed.get(failed.transactionId)!, 'failed', { error: 'no subscription', status: null }, T0 + 10);
      await store.outbox.markUndeliverable(claimed.get(dead.transactionId)!, 'dead', { error: 'refused', status: 400 }, T0 + 10);

      const cutoff = T0 + 1_000;
      expect(await store.retention.pruneDeliveredOutbox(cutoff, 10)).toBe(1);
      expect(await store.outbox.get(delivered.transactionId)).toBeNull();
      for (const kept of [deliveredLate, pending, failed, dead]) expect(await store.outbox.get(kept.transactionId)).not.toBeNull();
      // Even with a cutoff far in the future, what is owed stays.
      expect(await store.retention.pruneDeliveredOutbox(T0 + 1e12, 10)).toBe(1);
      expect(await store.outbox.countByState()).toEqual({ pending: 1, delivered: 0, failed: 1, dead: 1 });
    });

    it('ping answers while open and fails once closed', async () => {
      await store.ping();
      await store.close();
      await expect(store.ping()).rejects.toMatchObject({ name: 'StoreUnavailableError' });
      store = await open();
    });
  });
}
