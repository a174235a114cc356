import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BillingScope, Store } from '../../src/store/store.js';

/** Billing links and sessions, the same on every Store (sqlite-store.test.ts, postgres-store.test.ts). */
export function describeBillingSessionContract(name: string, open: () => Promise<Store>, cleanup: () => Promise<void> = async () => {}): void {
  describe(`${name} billing sessions`, () => {
    let store: Store;
    const T0 = 1_800_000_000_000;
    const scope: BillingScope = { customerId: 'cus_a', subscriptionId: 'sub_a', returnUrl: 'https://app.example.com/account', locale: 'de-DE' };

    beforeEach(async () => {
      store = await open();
    });
    afterEach(async () => {
      await store.close();
      await cleanup();
    });

    it('a link is redeemed once, before it expires; a second or late use gets nothing', async () => {
      await store.billingSessions.createLink('h1', scope, T0 + 300_000, T0);
      await store.billingSessions.createLink('h2', { ...scope, subscriptionId: null, locale: null }, T0 + 300_000, T0);
      expect(await store.billingSessions.redeemLink('h1', T0 + 1)).toEqual(scope);
      expect(await store.billingSessions.redeemLink('h1', T0 + 2)).toBeNull();
      expect(await store.billingSessions.redeemLink('h2', T0 + 300_000)).toBeNull();
      expect(await store.billingSessions.redeemLink('missing', T0)).toBeNull();
    });

    it('concurrent uses of one link: exactly one wins', async () => {
      await store.billingSessions.createLink('race', scope, T0 + 300_000, T0);
      const results = await Promise.all(Array.from({ length: 8 }, () => store.billingSessions.redeemLink('race', T0 + 5)));
      expect(results.filter((r) => r !== null)).toHaveLength(1);
    });

    it('a session slides forward on use, never backward, and ends at its expiry or when deleted', async () => {
      await store.billingSessions.createSession('s1', scope, T0 + 3_600_000, T0);
      expect(await store.billingSessions.touchSession('s1', T0 + 1_000, T0 + 3_601_000)).toEqual({ ...scope, expiresAt: T0 + 3_601_000 });
      expect((await store.billingSessions.touchSession('s1', T0 + 2_000, T0 + 10))?.expiresAt).toBe(T0 + 3_601_000);
      expect(await store.billingSessions.touchSession('s1', T0 + 3_601_000, T0 + 7_200_000)).toBeNull();
      await store.billingSessions.createSession('s2', scope, T0 + 3_600_000, T0);
      await store.billingSessions.deleteSession('s2');
      expect(await store.billingSessions.touchSession('s2', T0, T0 + 1)).toBeNull();
      expect(await store.billingSessions.touchSession('never', T0, T0 + 1)).toBeNull();
    });

    it('a session with a notAfter (a JWT\'s exp) starts and slides no later than it, then ends', async () => {
      await store.billingSessions.createSession('jwt', scope, T0 + 3_600_000, T0, T0 + 600_000);
      expect((await store.billingSessions.touchSession('jwt', T0 + 1_000, T0 + 3_601_000))?.expiresAt).toBe(T0 + 600_000);
      expect((await store.billingSessions.touchSession('jwt', T0 + 599_999, T0 + 4_000_000))?.expiresAt).toBe(T0 + 600_000);
      expect(await store.billingSessions.touchSession('jwt', T0 + 600_000, T0 + 4_200_000)).toBeNull();
      // A session without one slides as before.
      await store.billingSessions.createSession('plain', scope, T0 + 3_600_000, T0, null);
      expect((await store.billingSessions.touchSession('plain', T0 + 1_000, T0 + 3_601_000))?.expiresAt).toBe(T0 + 3_601_000);
    });

    it('deleteExpired removes expired links and sessions, at most `limit` at a time, and keeps live ones', async () => {
      for (let i = 0; i < 3; i++) await store.billingSessions.createLink(`old${i}`, scope, T0 + i, T0);
      await store.billingSessions.createSession('old-session', scope, T0 + 5, T0);
      await store.billingSessions.createLink('live', scope, T0 + 300_000, T0);
      await store.billingSessions.createSession('live-session', scope, T0 + 300_000, T0);
      expect(await store.billingSessions.deleteExpired(T0 + 100, 2)).toBe(2);
      expect(await store.billingSessions.deleteExpired(T0 + 100, 10)).toBe(2);
      expect(await store.billingSessions.deleteExpired(T0 + 100, 10)).toBe(0);
      expect(await store.billingSessions.redeemLink('live', T0 + 200)).toEqual(scope);
      expect(await store.billingSessions.touchSession('live-session', T0 + 200, T0 + 200)).not.toBeNull();
    });
  });
}
