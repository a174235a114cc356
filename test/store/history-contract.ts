import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LedgerEntry } from '../../src/ledger/ledger-entry.js';
import type { Store, TopUpRecord } from '../../src/store/store.js';

/** GET /ledger's and GET /top-ups' storage, run against each store (sqlite-store.test.ts, postgres-store.test.ts). */
export function describeHistoryContract(name: string, open: () => Promise<Store>, cleanup: () => Promise<void> = async () => {}): void {
  describe(`${name} history`, () => {
    let store: Store;
    const T0 = 1_800_000_000_000;
    beforeEach(async () => {
      store = await open();
    });
    afterEach(async () => {
      await store.close();
      await cleanup();
    });

    const credit = (i: number, customerId = 'cus_h', subscriptionId: string | null = 'sub_h'): LedgerEntry => ({
      transactionId: `pi_hist_${customerId}_${String(i).padStart(4, '0')}`,
      kind: 'credit',
      customerId,
      companyId: customerId,
      subscriptionId,
      amountMinor: 100 + i,
      currency: 'usd',
      credits: null,
      paymentIntentId: `pi_hist_${customerId}_${String(i).padStart(4, '0')}`,
      description: 'history',
    });

    it('pages over 250 entries newest first, each exactly once, even with entries sharing a timestamp', async () => {
      // Three entries per millisecond: the cursor must order by (created_at, id), not time alone.
      for (let i = 0; i < 250; i++) await store.outbox.enqueue(credit(i), 'top-up', T0 + Math.floor(i / 3));
      for (let i = 0; i < 5; i++) await store.outbox.enqueue(credit(i, 'cus_other'), 'top-up', T0 + i);
      const seen: string[] = [];
      let after: string | undefined;
      let pages = 0;
      for (;;) {
        const page = await store.history.ledger({ customerId: 'cus_h', limit: 100, startingAfter: after });
        if (!page) throw new Error('cursor refused');
        pages += 1;
        seen.push(...page.items.map((e) => e.transactionId));
        if (!page.hasMore) break;
        after = page.items.at(-1)!.transactionId;
      }
      expect(pages).toBe(3);
      expect(seen).toHaveLength(250);
      expect(new Set(seen).size).toBe(250);
      const expected = Array.from({ length: 250 }, (_, i) => credit(i).transactionId).reverse();
      expect(seen).toEqual(expected);
    });

    it('filters by subscription; a cursor of another customer is refused (null)', async () => {
      await store.outbox.enqueue(credit(1), 'top-up', T0);
      await store.outbox.enqueue({ ...credit(2), subscriptionId: 'sub_h2' }, 'top-up', T0 + 1);
      await store.outbox.enqueue(credit(1, 'cus_other'), 'top-up', T0 + 2);
      const bySub = await store.history.ledger({ customerId: 'cus_h', subscriptionId: 'sub_h2', limit: 10 });
      expect(bySub?.items.map((e) => e.transactionId)).toEqual([credit(2).transactionId]);
      expect(await store.history.ledger({ customerId: 'cus_h', limit: 10, startingAfter: credit(1, 'cus_other').transactionId })).toBeNull();
      expect(await store.history.ledger({ customerId: 'cus_h', limit: 10, startingAfter: 'pi_unknown' })).toBeNull();
    });

    it('keeps a promotion\'s type, active_at and expire_at', async () => {
      const promo: LedgerEntry = {
        ...credit(9),
        transactionId: 'promo_abc',
        paymentIntentId: 'promo_abc',
        currency: 'credits',
        amountMinor: 50_000_000,
        ledgerType: 'promotion',
        activeAt: T0 + 1000,
        expireAt: T0 + 2000,
      };
      await store.outbox.enqueue(promo, 'grant', T0);
      const page = await store.history.ledger({ customerId: 'cus_h', limit: 10 });
      expect(page?.items[0]).toMatchObject({ transactionId: 'promo_abc', ledgerType: 'promotion', activeAt: T0 + 1000, expireAt: T0 + 2000 });
    });

    it('lists top-ups newest first with their credit state, paged exactly', async () => {
      const topUp = (i: number): TopUpRecord => ({
        paymentIntentId: `pi_tu_${String(i).padStart(3, '0')}`,
        customerId: 'cus_h',
        companyId: 'cus_h',
        subscriptionId: null,
        amountMinor: 500,
        currency: 'usd',
        credits: null,
        flow: 'off_session',
        status: 'succeeded',
        caller: 'api_key:k',
        createdAt: T0 + Math.floor(i / 2),
      });
      for (let i = 0; i < 7; i++) await store.topUps.save(topUp(i));
      await store.outbox.enqueue({ ...credit(0), transactionId: 'pi_tu_006', paymentIntentId: 'pi_tu_006' }, 'top-up', T0);
      const first = await store.history.topUps({ customerId: 'cus_h', limit: 4 });
      expect(first?.items.map((t) => t.paymentIntentId)).toEqual(['pi_tu_006', 'pi_tu_005', 'pi_tu_004', 'pi_tu_003']);
      expect(first?.items[0]?.creditState).toBe('pending');
      expect(first?.items[1]?.creditState).toBeNull();
      expect(first?.hasMore).toBe(true);
      const second = await store.history.topUps({ customerId: 'cus_h', limit: 4, startingAfter: 'pi_tu_003' });
      expect(second?.items.map((t) => t.paymentIntentId)).toEqual(['pi_tu_002', 'pi_tu_001', 'pi_tu_000']);
      expect(second?.hasMore).toBe(false);
    });
  });
}
