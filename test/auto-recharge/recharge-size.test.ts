import { describe, expect, it } from 'vitest';
import { microCreditsFor, minorUnitsFor } from '../../src/auto-recharge/credits.js';
import { declineClass, softDeclineRetryAt } from '../../src/auto-recharge/decline-class.js';
import { rechargeSize } from '../../src/auto-recharge/recharge-size.js';
import { parseCreditRate } from '../../src/money/credit-rate.js';

const M = 1_000_000;
const fixed = (currency: string, amountMinor: number, thresholdCredits: number, capMinor = 99_999_999) => ({
  mode: 'fixed' as const,
  amountMinor,
  targetMicro: null,
  thresholdMicro: thresholdCredits * M,
  currency,
  monthlyCapMinor: capMinor,
});
const target = (currency: string, targetCredits: number, thresholdCredits: number, capMinor = 99_999_999) => ({
  mode: 'target' as const,
  amountMinor: null,
  targetMicro: targetCredits * M,
  thresholdMicro: thresholdCredits * M,
  currency,
  monthlyCapMinor: capMinor,
});
const limits = { min: 50, max: 99_999_999 };

describe('recharge sizing (exact, in every currency class)', () => {
  it.each([
    // currency, amount, threshold, have, expected charge: enough whole amounts to get back above the threshold in one payment
    ['usd', 500, 10, 9, 500], // 9 + 5 = 14 > 10
    ['usd', 500, 10, 0, 1500], // 0 + 15 > 10 (not 10: "above", and not three payments)
    ['usd', 500, 10, -7, 2000], // a negative balance (usage ran past zero) is closed too
    ['jpy', 500, 1000, 0, 1500], // zero-decimal: 500 jpy = 500 credits
    ['kwd', 1230, 2, 0.77, 2460], // three-decimal: 1.23 credits; 0.77 + 1.23 = 2.00 exactly is not above 2, so two amounts
  ])('fixed %s %i, threshold %d, have %d → %i', (currency, amount, threshold, have, expected) => {
    const size = rechargeSize({ setting: fixed(currency, amount, threshold), haveMicro: Math.round(have * M), chargedThisMonthMinor: 0, limits: { min: 1, max: 99_999_999 }, rates: {} });
    expect(size).toEqual({ kind: 'charge', amountMinor: expected });
  });

  it.each([
    ['usd', 50, 10, 3, {}, 4700],
    ['jpy', 5000, 100, 0, {}, 5000],
    ['kwd', 5, 1, 0.123, {}, 4880], // 4.877 KWD → 4877 → rounded up to Stripe's step of 10
    ['isk', 1000, 10, 0, {}, 100_000], // whole units written with two decimals
    ['eur', 20, 5, 0, { eur: parseCreditRate('1.08')! }, 1852], // 20 / 1.08 = 18.518… → 18.52 eur buys 20.0016 credits
  ])('target %s %d (threshold %d, have %d) → %i', (currency, targetCredits, threshold, have, rates, expected) => {
    const size = rechargeSize({ setting: target(currency, targetCredits, threshold), haveMicro: Math.round(have * M), chargedThisMonthMinor: 0, limits: { min: 1, max: 99_999_999 }, rates });
    expect(size).toEqual({ kind: 'charge', amountMinor: expected });
    expect(microCreditsFor(expected, currency, rates)).toBeGreaterThanOrEqual(Math.round((targetCredits - have) * M));
  });

  it('never charges more than what is left of the monthly cap; nothing chargeable left is cap_reached', () => {
    expect(rechargeSize({ setting: fixed('usd', 500, 10, 2000), haveMicro: 0, chargedThisMonthMinor: 1000, limits, rates: {} })).toEqual({ kind: 'charge', amountMinor: 1000 });
    expect(rechargeSize({ setting: fixed('usd', 500, 10, 2000), haveMicro: 0, chargedThisMonthMinor: 1600, limits, rates: {} })).toEqual({ kind: 'cap_reached' });
    expect(rechargeSize({ setting: target('usd', 50, 10, 2000), haveMicro: 0, chargedThisMonthMinor: 500, limits, rates: {} })).toEqual({ kind: 'charge', amountMinor: 1500 });
    expect(rechargeSize({ setting: target('usd', 50, 10, 2000), haveMicro: 0, chargedThisMonthMinor: 1970, limits, rates: {} })).toEqual({ kind: 'cap_reached' });
    // A target below the currency's minimum still charges the minimum.
    expect(rechargeSize({ setting: target('usd', 0.2, 0.1, 2000), haveMicro: 0, chargedThisMonthMinor: 0, limits, rates: {} })).toEqual({ kind: 'charge', amountMinor: 50 });
  });

  it('converts between credits and minor units without floating point', () => {
    expect(microCreditsFor(1000, 'usd', {})).toBe(10 * M);
    expect(microCreditsFor(1230, 'kwd', {})).toBe(1_230_000);
    expect(microCreditsFor(500, 'jpy', {})).toBe(500 * M);
    expect(minorUnitsFor(1, 'usd', {})).toBe(1);
    expect(minorUnitsFor(10 * M + 1, 'usd', {})).toBe(1001);
  });
});

describe('decline classes', () => {
  it.each([
    ['lost_card', null, 'hard'],
    ['stolen_card', null, 'hard'],
    ['pickup_card', null, 'hard'],
    ['fraudulent', null, 'hard'],
    ['expired_card', null, 'hard'],
    ['incorrect_number', null, 'hard'],
    ['card_not_supported', null, 'hard'],
    ['do_not_try_again', null, 'hard'],
    ['generic_decline', 'do_not_try_again', 'hard'],
    ['insufficient_funds', null, 'soft'],
    ['processing_error', null, 'soft'],
    ['try_again_later', null, 'soft'],
    ['generic_decline', 'try_again_later', 'soft'],
    [null, null, 'soft'],
  ])('%s (advice %s) is %s', (code, advice, expected) => {
    expect(declineClass(code, advice)).toBe(expected);
  });

  it('soft declines are retried after 1 h, 6 h and 24 h; the next one suspends', () => {
    expect([1, 2, 3, 4].map((n) => softDeclineRetryAt(n, 0))).toEqual([3_600_000, 21_600_000, 86_400_000, null]);
  });
});
