import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { evaluate } from '../../src/auto-recharge/evaluate.js';
import { badFields, expectApiError } from '../top-ups/top-up-helpers.js';
import { carolSetting, creditsOf, paymentIntentsOf, putSetting, seedBalance, startWorld, waitForCredits, type ArWorld } from './auto-recharge-helpers.js';

const MIN = 60_000;

/** A setting with a `pack` buys whole credit packs: as many as the crossing needs, within the cap, each credited with the pack's exact credits. */
describe('auto-recharge with a credit pack', () => {
  let w: ArWorld;
  let pack: string;
  beforeEach(async () => {
    w = await startWorld();
    pack = w.stripe.addPrice({ unitAmount: 500, currency: 'usd', credits: '7.5', name: 'Small pack' });
    seedBalance(w, 'sub_carol', 1); // threshold 10
  });
  afterEach(() => w.stop());

  const packSetting = (overrides: Record<string, unknown> = {}) => carolSetting({ amount: undefined, pack, ...overrides });
  const store = () => w.services[0]!.store.autoRecharge;

  it('refuses a pack that cannot be bought, one in another currency, an amount beside it, a cap below one pack; stores nothing', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ pack: w.stripe.addPrice({ unitAmount: 500, currency: 'usd', credits: '5', active: false }) }, 'pack'],
      [{ pack: w.stripe.addPrice({ unitAmount: 500, currency: 'usd', credits: '5', recurring: true }) }, 'pack'],
      [{ pack: w.stripe.addPrice({ unitAmount: 500, currency: 'usd' }) }, 'pack'],
      [{ pack: 'price_NoSuchPrice000' }, 'pack'],
      [{ pack: w.stripe.addPrice({ unitAmount: 500, currency: 'eur', credits: '5' }) }, 'pack'],
      [{ amount: 1000 }, 'amount'],
      [{ monthly_cap: 499 }, 'monthly_cap'],
    ];
    for (const [overrides, field] of cases) {
      const res = await putSetting(w, packSetting(overrides));
      expectApiError(res, 400, 'validation_failed', ['fields']);
      expect(badFields(res), JSON.stringify(overrides)).toEqual([field]);
    }
    expect(await store().get('sub_carol')).toBeNull();
    expect(paymentIntentsOf(w, 'cus_carol')).toHaveLength(0);
  });

  it('fixed mode: the fewest whole packs that get back above the threshold, in one payment; the credits are the packs\' exact credits', async () => {
    const body = (await putSetting(w, packSetting())).body;
    // 1 credit, threshold 10: one pack (7.5) leaves 8.5, two leave 16.
    expect(body).toMatchObject({ state: 'active', pack, attempts: [expect.objectContaining({ outcome: 'succeeded', amount: 1000, pack, pack_quantity: 2 })] });
    expect(body.amount).toBeUndefined();
    const [pi] = paymentIntentsOf(w, 'cus_carol');
    expect(pi!.amount).toBe(1000);
    await waitForCredits(w, 'sub_carol', 1);
    expect(creditsOf(w, 'sub_carol')).toEqual([expect.objectContaining({ transaction_id: pi!.id, amount: 15 })]);
  });

  it('target mode: the fewest whole packs that reach the target, never beyond the remaining monthly cap', async () => {
    // 1 credit, target 40: six packs (45 credits, 30.00) would reach it; the cap of 20.00 allows four.
    const body = (await putSetting(w, packSetting({ mode: 'target', target_balance: 40, monthly_cap: 2000 }))).body;
    expect(body.attempts).toEqual([expect.objectContaining({ outcome: 'succeeded', amount: 2000, pack_quantity: 4 })]);
    await waitForCredits(w, 'sub_carol', 1);
    expect(creditsOf(w, 'sub_carol')).toEqual([expect.objectContaining({ amount: 30 })]);
    // 31 credits now; used down to 5: the cap is spent, nothing more this month.
    seedBalance(w, 'sub_carol', -26);
    w.clock.advance(11 * MIN);
    expect(await evaluate(w.services[0]!.autoRecharge, 'sub_carol')).toBe('cap_reached');
    expect(paymentIntentsOf(w, 'cus_carol')).toHaveLength(1);
  });

  it('a pack taken off sale after saving suspends (pack_unavailable) without charging; saving a pack on sale lifts it', async () => {
    await putSetting(w, packSetting({ enabled: false, consent: undefined }));
    w.stripe.prices.get(pack)!.active = false;
    const body = (await putSetting(w, { ...packSetting(), pack: undefined, amount: 1000 })).body; // an amount instead: fine
    expect(body.state).toBe('active');
    await waitForCredits(w, 'sub_carol', 1);
    // Now a pack again, then the pack goes off sale.
    const other = w.stripe.addPrice({ unitAmount: 1000, currency: 'usd', credits: '12' });
    await putSetting(w, packSetting({ pack: other }));
    w.stripe.prices.get(other)!.active = false;
    seedBalance(w, 'sub_carol', -20);
    w.clock.advance(11 * MIN);
    expect(await evaluate(w.services[0]!.autoRecharge, 'sub_carol')).toBe('pack_unavailable');
    expect((await store().get('sub_carol'))!.pause).toMatchObject({ kind: 'suspended', reason: 'pack_unavailable' });
    expect(paymentIntentsOf(w, 'cus_carol')).toHaveLength(1);
    w.stripe.prices.get(other)!.active = true;
    const resumed = (await putSetting(w, packSetting({ pack: other }))).body;
    // -9 credits (1 + 10 - 20), threshold 10: one pack of 12 leaves 3, two leave 15.
    expect(resumed).toMatchObject({ state: 'active', pause: null, attempts: [expect.objectContaining({ outcome: 'succeeded', pack: other, pack_quantity: 2, amount: 2000 }), expect.anything()] });
  });
});
