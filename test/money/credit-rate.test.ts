import { describe, expect, test, it } from 'vitest';
import { applyCreditRate, parseCreditRate, UNIT_RATE } from '../../src/money/credit-rate.js';
import { moesifAmountText, toMoesifAmount, type CreditRates } from '../../src/money/moesif-amount.js';

const rate = (text: string) => {
  const r = parseCreditRate(text);
  if (!r) throw new Error(`bad rate ${text}`);
  return r;
};

describe('moesifAmountText / toMoesifAmount with credit rates', () => {
  const rates: CreditRates = { eur: rate('1.08'), jpy: rate('0.0067'), kwd: rate('3.25'), usd: rate('1') };

  test.each([
    [1000, 'usd', '10'],
    [1, 'usd', '0.01'],
    [1000, 'eur', '10.8'],
    [1, 'eur', '0.0108'],
    [500, 'jpy', '3.35'],
    [1230, 'kwd', '3.9975'],
    [500, 'isk', '5'], // not listed: rate 1
    [99_999_999, 'eur', '1079999.9892'],
    [-1000, 'eur', '-10.8'],
    [0, 'eur', '0'],
  ])('%i %s → "%s"', (minor, currency, text) => {
    expect(moesifAmountText(minor, currency, rates)).toBe(text);
    expect(toMoesifAmount(minor, currency, rates)).toBe(Number(text));
    expect(JSON.stringify(toMoesifAmount(minor, currency, rates))).toBe(text);
  });

  it('the currency is matched case-insensitively', () => {
    expect(moesifAmountText(1000, 'EUR', rates)).toBe('10.8');
  });

  it('without rates, amounts are plain major units', () => {
    expect(moesifAmountText(1230, 'kwd')).toBe('1.23');
    expect(moesifAmountText(500, 'jpy')).toBe('500');
    expect(moesifAmountText(1000, 'usd')).toBe('10');
  });

  it('no float drift: amount × rate is exact for every cent up to 20000 at rate 1.08', () => {
    const r = rate('1.08');
    for (let a = 0; a <= 20_000; a++) {
      const text = applyCreditRate(a, 2, r);
      // exact: a * 108 / 10^4, compared as integers
      const [whole, fraction = ''] = text.split('.');
      expect(BigInt(whole! + fraction.padEnd(4, '0'))).toBe(BigInt(a) * 108n);
    }
  });

  test.each([0.5, Number.NaN, Number.MAX_SAFE_INTEGER + 2])('refuses a non-safe-integer amount %s', (a) => {
    expect(() => applyCreditRate(a, 2, UNIT_RATE)).toThrow(RangeError);
  });
});

describe('parseCreditRate', () => {
  test.each([
    ['1', { digits: 1n, scale: 0 }],
    ['1.08', { digits: 108n, scale: 2 }],
    ['0.000001', { digits: 1n, scale: 6 }],
    [' 2.5 ', { digits: 25n, scale: 1 }],
  ])('%j → %o', (text, expected) => {
    expect(parseCreditRate(text)).toEqual(expected);
  });

  test.each(['0', '0.0', '-1', '1.0000001', 'abc', '', '1e3', '1,08'])('%j is refused', (text) => {
    expect(parseCreditRate(text)).toBeNull();
  });
});
