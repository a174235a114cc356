import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LedgerEntry } from '../../src/ledger/ledger-entry.js';
import type { OutgoingEventRecord, Store } from '../../src/store/store.js';

/** Outgoing events' storage, run against each store (sqlite-store.test.ts, postgres-store.test.ts). */
export function describeEventsOutContract(name: string, open: () => Promise<Store>, cleanup: () => Promise<void> = async () => {}): void {
  describe(`${name} outgoing events`, () => {
    let store: Store;
    const T0 = 1_800_000_000_000;
    beforeEach(async () => {
      store = await open();
    });
    afterEach(async () => {
      await store.close();
      await cleanup();
    });

    const event = (id: string, customerId = 'cus_e', destination = 'http://127.0.0.1:1/a'): OutgoingEventRecord => ({
      eventId: id,
      destination,
      type: 'credit.delivered',
      customerId,
      payload: `{"id":"${id}"}`,
    });
    const entry: LedgerEntry = {
      transactionId: 'pi_events_out',
      kind: 'credit',
      customerId: 'cus_e',
      companyId: 'cus_e',
      subscriptionId: 'sub_e',
      amountMinor: 100,
      currency: 'usd',
      credits: null,
      paymentIntentId: 'pi_events_out',
      description: 'd',
    };

    it('hands out only the oldest pending event of each customer and destination; a dead one no longer holds the queue', async () => {
      await store.eventsOut.enqueue([event('msg_1'), event('msg_2'), event('msg_3', 'cus_f'), event('msg_1', 'cus_e', 'http://127.0.0.1:1/b')], T0);
      expect(await store.eventsOut.enqueue([event('msg_1')], T0)).toBe(0);
      const first = await store.eventsOut.claimDue(T0, 10, 1_000);
      expect(first.map((e) => `${e.eventId}@${e.destination.slice(-1)}`).sort()).toEqual(['msg_1@a', 'msg_1@b', 'msg_3@a']);
      // msg_2 waits behind msg_1 while msg_1 is leased, and while it waits for a retry.
      expect(await store.eventsOut.claimDue(T0 + 1, 10, 1_000)).toEqual([]);
      const head = first.find((e) => e.eventId === 'msg_1' && e.destination.endsWith('a'))!;
      await store.eventsOut.scheduleRetry(head, { error: 'down', status: 503 }, T0 + 500, T0 + 2);
      expect(await store.eventsOut.claimDue(T0 + 3, 10, 1_000)).toEqual([]);
      const retried = await store.eventsOut.claimDue(T0 + 500, 10, 1_000);
      expect(retried.map((e) => e.eventId)).toEqual(['msg_1']);
      await store.eventsOut.markDead(retried[0]!, { error: 'gone', status: 410 }, T0 + 501);
      expect((await store.eventsOut.claimDue(T0 + 502, 10, 1_000)).map((e) => e.eventId)).toEqual(['msg_2']);
      expect(await store.eventsOut.get('msg_1')).toEqual(
        expect.arrayContaining([expect.objectContaining({ state: 'dead', attempts: 2, lastStatus: 410, lastError: 'gone' })]),
      );
      expect(await store.eventsOut.replay('msg_1', T0 + 600)).toBe(1);
      expect(await store.eventsOut.replay('msg_unknown', T0 + 600)).toBe(0);
    });

    it('writes the events of a delivery in its transaction, only when the lease still held', async () => {
      await store.outbox.enqueue(entry, 'top-up', T0);
      const [stale] = await store.outbox.claimDue(T0, 1, 10);
      const [current] = await store.outbox.claimDue(T0 + 20, 1, 10_000);
      await store.outbox.markDelivered(stale!, T0 + 21, [event('msg_stale')]);
      expect(await store.eventsOut.get('msg_stale')).toEqual([]);
      await store.outbox.markDelivered(current!, T0 + 22, [event('msg_delivered')]);
      expect(await store.eventsOut.get('msg_delivered')).toHaveLength(1);
      expect((await store.outbox.get(entry.transactionId))?.state).toBe('delivered');
    });

    it('retention deletes delivered events only, oldest first', async () => {
      await store.eventsOut.enqueue([event('msg_old'), event('msg_dead', 'cus_g'), event('msg_new', 'cus_h')], T0);
      for (const claim of await store.eventsOut.claimDue(T0, 10, 1_000)) {
        if (claim.eventId === 'msg_dead') await store.eventsOut.markDead(claim, { error: 'gone', status: 410 }, T0 + 1);
        else await store.eventsOut.markDelivered(claim, claim.eventId === 'msg_old' ? T0 + 1 : T0 + 100);
      }
      expect(await store.retention.pruneDeliveredEvents(T0 + 50, 10)).toBe(1);
      expect(await store.eventsOut.get('msg_old')).toEqual([]);
      expect(await store.eventsOut.get('msg_dead')).toHaveLength(1);
      expect(await store.eventsOut.get('msg_new')).toHaveLength(1);
    });

    it('writes the events of a recorded Stripe event with it, and none for a duplicate', async () => {
      const stripeEvent = { id: 'evt_out', type: 'payment_intent.payment_failed', created: 1, livemode: false, payload: '{}', outcome: 'ignored' as const, note: 'n' };
      await store.events.record(stripeEvent, [], T0, [event('msg_failed')]);
      await store.events.record(stripeEvent, [], T0, [event('msg_failed_again')]);
      expect(await store.eventsOut.get('msg_failed')).toHaveLength(1);
      expect(await store.eventsOut.get('msg_failed_again')).toEqual([]);
    });
  });
}
