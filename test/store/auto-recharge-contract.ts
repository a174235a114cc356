import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AutoRechargeAttempt, AutoRechargeSetting } from '../../src/store/auto-recharge-store.js';
import type { Store } from '../../src/store/store.js';

const T0 = 1_800_000_000_000;

export function settingFixture(overrides: Partial<AutoRechargeSetting> = {}): AutoRechargeSetting {
  return {
    subscriptionId: 'sub_a',
    customerId: 'cus_a',
    companyId: 'cus_a',
    enabled: true,
    thresholdMicro: 5_000_000,
    mode: 'fixed',
    amountMinor: 1000,
    targetMicro: null,
    currency: 'usd',
    packPriceId: null,
    paymentMethodId: null,
    monthlyCapMinor: 10_000,
    maxPerDay: 3,
    consent: { termsVersion: 'v1', acceptedAt: T0, caller: 'api_key:k' },
    pause: null,
    nextCheckAt: T0,
    lastCheckedAt: null,
    lastReason: null,
    createdAt: T0,
    updatedAt: T0,
    ...overrides,
  };
}

export function attemptFixture(sequence: number, overrides: Partial<AutoRechargeAttempt> = {}): AutoRechargeAttempt {
  return {
    id: `auto-recharge-sub_a-${sequence}`,
    subscriptionId: 'sub_a',
    sequence,
    customerId: 'cus_a',
    amountMinor: 1000,
    currency: 'usd',
    pack: null,
    paymentMethodId: 'pm_1',
    cardFingerprint: 'fp_1',
    outcome: 'in_flight',
    reason: null,
    declineCode: null,
    paymentIntentId: null,
    clientSecret: null,
    balanceMicro: 1_000_000,
    retryAt: null,
    createdAt: T0,
    updatedAt: T0,
    ...overrides,
  };
}

const history = (change: Record<string, unknown>, at = T0) => ({ subscriptionId: 'sub_a', at, caller: 'api_key:k', change });

/** The auto-recharge part of every Store, run against SQLite and PostgreSQL. */
export function describeAutoRechargeContract(name: string, open: () => Promise<Store>, cleanup: () => Promise<void> = async () => {}): void {
  describe(`${name} auto-recharge store`, () => {
    let store: Store;
    beforeEach(async () => {
      store = await open();
    });
    afterEach(async () => {
      await store.close();
      await cleanup();
    });

    it('keeps a setting as written, replaces it on the next put, and keeps a history row per change', async () => {
      const s = settingFixture();
      await store.autoRecharge.put(s, history({ created: true }));
      expect(await store.autoRecharge.get('sub_a')).toEqual(s);
      const edited = settingFixture({ thresholdMicro: 7_500_000, mode: 'target', amountMinor: null, targetMicro: 20_000_000, updatedAt: T0 + 5 });
      await store.autoRecharge.put(edited, history({ threshold: [5, 7.5] }, T0 + 5));
      expect(await store.autoRecharge.get('sub_a')).toEqual(edited);
      expect((await store.autoRecharge.history('sub_a', 10)).map((h) => h.change)).toEqual([{ threshold: [5, 7.5] }, { created: true }]);
      expect(await store.autoRecharge.remove('sub_a', history({ action: 'deleted' }, T0 + 9))).toBe(true);
      expect(await store.autoRecharge.get('sub_a')).toBeNull();
      expect(await store.autoRecharge.remove('sub_a', history({ action: 'deleted' }, T0 + 9))).toBe(false);
      expect(await store.autoRecharge.history('sub_a', 10)).toHaveLength(3);
    });

    it('lists due, paused and by-company settings; pauses and lifts with history', async () => {
      await store.autoRecharge.put(settingFixture(), history({ created: true }));
      await store.autoRecharge.put(settingFixture({ subscriptionId: 'sub_b', companyId: 'co_b', nextCheckAt: T0 + 100 }), history({}));
      await store.autoRecharge.put(settingFixture({ subscriptionId: 'sub_off', enabled: false }), history({}));
      expect((await store.autoRecharge.listDue(T0, 10)).map((s) => s.subscriptionId)).toEqual(['sub_a']);
      expect((await store.autoRecharge.listDue(T0 + 100, 10)).map((s) => s.subscriptionId)).toEqual(['sub_a', 'sub_b']);
      await store.autoRecharge.checked('sub_a', T0 + 1, 'above_threshold', T0 + 200);
      expect(await store.autoRecharge.get('sub_a')).toMatchObject({ lastCheckedAt: T0 + 1, lastReason: 'above_threshold', nextCheckAt: T0 + 200 });
      expect((await store.autoRecharge.listByCompany(['co_b', 'co_x'], 10)).map((s) => s.subscriptionId)).toEqual(['sub_b']);
      const pause = { kind: 'suspended' as const, reason: 'hard_decline:lost_card', cardFingerprint: 'fp_1', paymentIntentId: null, since: T0 + 2 };
      await store.autoRecharge.setPause('sub_a', pause, history({ action: 'suspended' }, T0 + 2));
      expect((await store.autoRecharge.get('sub_a'))!.pause).toEqual(pause);
      expect((await store.autoRecharge.listPaused('suspended', 10)).map((s) => s.subscriptionId)).toEqual(['sub_a']);
      await store.autoRecharge.setPause('sub_a', null, history({ action: 'resumed' }, T0 + 3));
      expect((await store.autoRecharge.get('sub_a'))!.pause).toBeNull();
      expect((await store.autoRecharge.history('sub_a', 1))[0]!.change).toEqual({ action: 'resumed' });
    });

    it('lets only one claim take a (subscription, sequence); retakes an attempt only once', async () => {
      expect(await store.autoRecharge.claimAttempt(attemptFixture(1))).toBe(true);
      expect(await store.autoRecharge.claimAttempt(attemptFixture(1, { id: 'another-id' }))).toBe(false);
      expect(await store.autoRecharge.claimAttempt(attemptFixture(2, { createdAt: T0 + 10, updatedAt: T0 + 10 }))).toBe(true);
      expect((await store.autoRecharge.listAttempts('sub_a', 10)).map((a) => a.sequence)).toEqual([2, 1]);
      await store.autoRecharge.finishAttempt(
        'auto-recharge-sub_a-1',
        { outcome: 'stripe_unavailable', reason: 'stripe_unavailable', declineCode: null, paymentIntentId: null, clientSecret: null, retryAt: T0 + 60 },
        T0 + 1,
      );
      const [retakeA, retakeB] = await Promise.all([
        store.autoRecharge.retakeAttempt('auto-recharge-sub_a-1', 'stripe_unavailable', T0 + 61, T0 + 61),
        store.autoRecharge.retakeAttempt('auto-recharge-sub_a-1', 'stripe_unavailable', T0 + 61, T0 + 61),
      ]);
      expect([retakeA, retakeB].sort()).toEqual([false, true]);
      // A stale in-flight attempt (its process died) is retaken once.
      expect(await store.autoRecharge.retakeAttempt('auto-recharge-sub_a-2', 'in_flight', T0 + 5, T0 + 100)).toBe(false);
      expect(await store.autoRecharge.retakeAttempt('auto-recharge-sub_a-2', 'in_flight', T0 + 50, T0 + 100)).toBe(true);
      expect(await store.autoRecharge.retakeAttempt('auto-recharge-sub_a-2', 'in_flight', T0 + 50, T0 + 100)).toBe(false);
    });

    it('sums charged amounts by currency and counts attempts by subscription and by card', async () => {
      await store.autoRecharge.claimAttempt(attemptFixture(1, { outcome: 'succeeded', amountMinor: 1500 }));
      await store.autoRecharge.claimAttempt(attemptFixture(2, { outcome: 'soft_decline', amountMinor: 700 }));
      await store.autoRecharge.claimAttempt(attemptFixture(3, { outcome: 'processing', amountMinor: 300, createdAt: T0 + 10 }));
      await store.autoRecharge.claimAttempt(attemptFixture(4, { outcome: 'failed', cardFingerprint: null }));
      await store.autoRecharge.claimAttempt(attemptFixture(5, { outcome: 'succeeded', currency: 'eur', amountMinor: 999 }));
      await store.autoRecharge.claimAttempt({ ...attemptFixture(1, { outcome: 'hard_decline' }), id: 'x-b-1', subscriptionId: 'sub_b' });
      expect(await store.autoRecharge.chargedSince('sub_a', 'usd', T0)).toBe(1800);
      expect(await store.autoRecharge.chargedSince('sub_a', 'usd', T0 + 5)).toBe(300);
      expect(await store.autoRecharge.countSince('sub_a', T0)).toBe(4);
      expect(await store.autoRecharge.countByFingerprintSince('fp_1', T0)).toBe(5);
      await store.autoRecharge.finishAttempt(
        'auto-recharge-sub_a-3',
        { outcome: 'requires_action', reason: 'authentication_required', declineCode: null, paymentIntentId: 'pi_x', clientSecret: 'pi_x_secret', retryAt: null },
        T0 + 11,
      );
      expect(await store.autoRecharge.getAttemptByPaymentIntent('pi_x')).toMatchObject({ id: 'auto-recharge-sub_a-3', outcome: 'requires_action', clientSecret: 'pi_x_secret' });
      expect(await store.autoRecharge.getAttemptByPaymentIntent('pi_none')).toBeNull();
    });

    it('retention prunes old attempts and history rows in small batches, never the latest or open attempts, nor each subscription\'s latest history row', async () => {
      const DAY = 86_400_000;
      const old = T0 - 100 * DAY;
      const attempts = [
        attemptFixture(1, { outcome: 'succeeded', createdAt: old }),
        attemptFixture(2, { outcome: 'soft_decline', createdAt: old + 1 }),
        attemptFixture(3, { outcome: 'requires_action', paymentIntentId: 'pi_waiting', createdAt: old + 2 }),
        attemptFixture(4, { outcome: 'canceled', createdAt: old + 3 }),
        attemptFixture(5, { outcome: 'succeeded', createdAt: T0 - 10 * DAY }),
        // Another subscription whose only (latest) attempt is old: kept, its next sequence follows it.
        attemptFixture(7, { id: 'auto-recharge-sub_b-7', subscriptionId: 'sub_b', outcome: 'succeeded', createdAt: old }),
      ];
      for (const a of attempts) expect(await store.autoRecharge.claimAttempt(a)).toBe(true);
      await store.autoRecharge.put(settingFixture(), history({ created: true }, old));
      await store.autoRecharge.put(settingFixture(), history({ threshold: [1, 2] }, old + 5));
      await store.autoRecharge.put(settingFixture({ subscriptionId: 'sub_b' }), { ...history({ created: true }, old), subscriptionId: 'sub_b' });
      await store.autoRecharge.put(settingFixture(), history({ threshold: [2, 3] }, T0 - DAY));

      const cutoff = T0 - 62 * DAY;
      expect(await store.retention.pruneAutoRechargeAttempts(cutoff, 2)).toBe(2);
      expect(await store.retention.pruneAutoRechargeAttempts(cutoff, 2)).toBe(1);
      expect(await store.retention.pruneAutoRechargeAttempts(cutoff, 2)).toBe(0);
      expect((await store.autoRecharge.listAttempts('sub_a', 10)).map((a) => a.sequence)).toEqual([5, 3]);
      expect((await store.autoRecharge.listAttempts('sub_b', 10)).map((a) => a.sequence)).toEqual([7]);
      expect((await store.autoRecharge.getAttemptByPaymentIntent('pi_waiting'))?.outcome).toBe('requires_action');

      expect(await store.retention.pruneAutoRechargeHistory(cutoff, 1)).toBe(1);
      expect(await store.retention.pruneAutoRechargeHistory(cutoff, 10)).toBe(1);
      expect((await store.autoRecharge.history('sub_a', 10)).map((h) => h.change)).toEqual([{ threshold: [2, 3] }]);
      expect((await store.autoRecharge.history('sub_b', 10)).map((h) => h.change)).toEqual([{ created: true }]);
    });
  });
}
