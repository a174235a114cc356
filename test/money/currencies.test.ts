import { describe, expect, it, test } from 'vitest';
import {
  chargeAmountProblem,
  currencyClass,
  formatMinorUnits,
  minimumChargeAmount,
  STRIPE_MAX_AMOUNT,
  stripeExponent,
} from '../../src/money/currencies.js';
import { toMoesifAmount } from '../../src/money/moesif-amount.js';

/** Stripe's table (see docs/domain.md): zero-decimal, three-decimal, ISK/UGX special, the rest two-decimal. */
const ZERO_DECIMAL = ['bif', 'clp', 'djf', 'gnf', 'jpy', 'kmf', 'krw', 'mga', 'pyg', 'rwf', 'vnd', 'vuv', 'xaf', 'xof', 'xpf'];
const THREE_DECIMAL = ['bhd', 'jod', 'kwd', 'omr', 'tnd'];
const WHOLE_UNITS_AS_TWO_DECIMAL = ['isk', 'ugx'];
const TWO_DECIMAL = ['usd', 'eur', 'gbp', 'chf', 'cad', 'aud', 'huf', 'twd', 'inr', 'mxn', 'sek', 'brl'];

describe('currency classes (Stripe minor units)', () => {
  test.each(ZERO_DECIMAL)('%s is zero-decimal', (c) => {
    expect(currencyClass(c)).toBe('zero-decimal');
    expect(stripeExponent(c)).toBe(0);
  });
  test.each(THREE_DECIMAL)('%s is three-decimal', (c) => {
    expect(currencyClass(c)).toBe('three-decimal');
    expect(stripeExponent(c)).toBe(3);
  });
  test.each(WHOLE_UNITS_AS_TWO_DECIMAL)('%s is whole units written with two decimals', (c) => {
    expect(currencyClass(c)).toBe('two-decimal-whole-units');
    expect(stripeExponent(c)).toBe(2);
  });
  test.each(TWO_DECIMAL)('%s is two-decimal', (c) => {
    expect(currencyClass(c)).toBe('two-decimal');
    expect(stripeExponent(c)).toBe(2);
  });
  test.each(['JPY', 'Kwd', 'ISK', 'USD'])('%s: case does not matter', (c) => {
    expect(currencyClass(c)).toBe(currencyClass(c.toLowerCase()));
    expect(formatMinorUnits(1230, c)).toBe(formatMinorUnits(1230, c.toLowerCase()));
  });
});

describe('toMoesifAmount: Stripe minor units → Moesif major units (defect 1)', () => {
  test.each([
    // zero-decimal: the amount is already whole units
    [500, 'jpy', 500],
    [50, 'jpy', 50],
    [1, 'jpy', 1],
    [10_000, 'krw', 10_000],
    [250_000, 'vnd', 250_000],
    [99_999_999, 'vnd', 99_999_999],
    [1_000, 'clp', 1_000],
    [7, 'xof', 7],
    // two-decimal
    [1000, 'usd', 10],
    [1, 'usd', 0.01],
    [50, 'usd', 0.5],
    [99, 'usd', 0.99],
    [1999, 'usd', 19.99],
    [99_999_999, 'usd', 999_999.99],
    [1000, 'eur', 10],
    [1234, 'eur', 12.34],
    [17_500, 'huf', 175],
    [1010, 'gbp', 10.1],
    // three-decimal
    [1230, 'kwd', 1.23],
    [1000, 'kwd', 1],
    [10, 'kwd', 0.01],
    [5, 'bhd', 0.005],
    [1, 'jod', 0.001],
    [99_999_999, 'omr', 99_999.999],
    [123_450, 'tnd', 123.45],
    // ISK / UGX: whole units with a two-decimal representation
    [500, 'isk', 5],
    [100, 'isk', 1],
    [1_000_000, 'isk', 10_000],
    [500_000, 'ugx', 5_000],
  ])('%i %s → %s', (minor, currency, major) => {
    expect(toMoesifAmount(minor, currency)).toBe(major);
    // What goes on the wire is the shortest decimal of that number.
    expect(JSON.stringify({ amount: toMoesifAmount(minor, currency) })).toBe(`{"amount":${major}}`);
  });

  it('defect 1: 1000 usd cents is 10 in Moesif, not 1000', () => {
    expect(toMoesifAmount(1000, 'usd')).toBe(10);
    expect(toMoesifAmount(1000, 'usd')).not.toBe(1000);
  });
});

describe('formatMinorUnits: exact decimal text', () => {
  test.each([
    [0, 'usd', '0.00'],
    [1, 'usd', '0.01'],
    [10, 'usd', '0.10'],
    [99, 'usd', '0.99'],
    [100, 'usd', '1.00'],
    [1000, 'usd', '10.00'],
    [123_456, 'eur', '1234.56'],
    [99_999_999, 'usd', '999999.99'],
    [-1, 'usd', '-0.01'],
    [-5, 'usd', '-0.05'],
    [-1000, 'usd', '-10.00'],
    [-123_456, 'eur', '-1234.56'],
    [0, 'jpy', '0'],
    [500, 'jpy', '500'],
    [-500, 'jpy', '-500'],
    [99_999_999, 'krw', '99999999'],
    [0, 'kwd', '0.000'],
    [5, 'bhd', '0.005'],
    [50, 'bhd', '0.050'],
    [1230, 'kwd', '1.230'],
    [-1, 'kwd', '-0.001'],
    [-1230, 'kwd', '-1.230'],
    [99_999_999, 'kwd', '99999.999'],
    [500, 'isk', '5.00'],
    [-500, 'isk', '-5.00'],
    [Number.MAX_SAFE_INTEGER, 'usd', '90071992547409.91'],
    [Number.MIN_SAFE_INTEGER, 'jpy', '-9007199254740991'],
  ])('%i %s → "%s"', (amount, currency, text) => {
    expect(formatMinorUnits(amount, currency)).toBe(text);
  });

  test.each([0.5, 10.01, Number.NaN, Number.POSITIVE_INFINITY, Number.MAX_SAFE_INTEGER + 1, -(2 ** 60)])(
    'refuses %s (not a safe integer)',
    (amount) => {
      expect(() => formatMinorUnits(amount, 'usd')).toThrow(RangeError);
    },
  );

  it('never writes "-0"', () => {
    expect(formatMinorUnits(-0, 'usd')).toBe('0.00');
    expect(formatMinorUnits(-0, 'jpy')).toBe('0');
  });
});

/** Parses decimal text back to minor units digit by digit (no float arithmetic); null if malformed. */
function parseDigitwise(text: string, exponent: number): number | null {
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(text);
  if (!m) return null;
  const fraction = m[3] ?? '';
  if (fraction.length !== exponent) return null;
  const value = BigInt(`${m[2]}${fraction}`);
  return Number(m[1] === '-' ? -value : value);
}

/** A deterministic PRNG so the random cases are reproducible. */
function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('no float drift (property-style)', () => {
  /** Why `amount` does not round-trip, or null. (Plain checks in the hot loop; one expect per test.) */
  function roundTripProblem(amount: number, currency: string): string | null {
    const exponent = stripeExponent(currency);
    const text = formatMinorUnits(amount, currency);
    // digit-wise, exact
    if (parseDigitwise(text, exponent) !== amount) return `${amount} ${currency}: "${text}" does not parse back digit-wise`;
    // through a double, as Moesif receives it
    const major = toMoesifAmount(amount, currency);
    if (major !== Number(text)) return `${amount} ${currency}: toMoesifAmount ${major} !== Number("${text}")`;
    if (Math.round(major * 10 ** exponent) !== amount) return `${amount} ${currency}: ${major} × 10^${exponent} rounds to ${Math.round(major * 10 ** exponent)}`;
    // the JSON number is the decimal text without trailing zeros
    let canonical = exponent === 0 ? text : text.replace(/0+$/, '').replace(/\.$/, '');
    if (canonical === '-0') canonical = '0';
    if (JSON.stringify(major) !== canonical) return `${amount} ${currency}: JSON ${JSON.stringify(major)} !== "${canonical}"`;
    return null;
  }

  function problemsFor(amounts: Iterable<number>, currency: string): string[] {
    const problems: string[] = [];
    for (const amount of amounts) {
      const problem = roundTripProblem(amount, currency);
      if (problem) problems.push(problem);
    }
    return problems;
  }

  function* range(from: number, to: number): Generator<number> {
    const step = from <= to ? 1 : -1;
    for (let a = from; a !== to + step; a += step) yield a;
  }

  function* randomAmounts(seed: number, count: number): Generator<number> {
    const random = mulberry32(seed);
    for (let i = 0; i < count; i++) yield Math.floor(random() * (STRIPE_MAX_AMOUNT + 1));
    yield STRIPE_MAX_AMOUNT;
    yield STRIPE_MAX_AMOUNT - 1;
  }

  test.each(['usd', 'kwd', 'jpy', 'isk'])('every amount 0..20000 in %s round-trips exactly', (currency) => {
    expect(problemsFor(range(0, 20_000), currency)).toEqual([]);
  });

  test.each(['usd', 'kwd'])('negative amounts -1..-5000 in %s round-trip exactly', (currency) => {
    expect(problemsFor(range(-1, -5_000), currency)).toEqual([]);
  });

  test.each(['usd', 'kwd', 'bhd', 'eur', 'jpy'])('50 000 random amounts up to 99,999,999 in %s round-trip exactly', (currency) => {
    expect(problemsFor(randomAmounts(0x5eed + currency.charCodeAt(0), 50_000), currency)).toEqual([]);
  });

  it('the checker itself catches a wrong answer', () => {
    expect(parseDigitwise('10.0', 2)).toBeNull();
    expect(parseDigitwise('1.230', 3)).toBe(1230);
    expect(parseDigitwise('-0.05', 2)).toBe(-5);
  });

  it('each amount is the nearest double to its decimal, so 10 + 20 cents print as 0.1 and 0.2', () => {
    expect(toMoesifAmount(10, 'usd')).toBe(0.1);
    expect(toMoesifAmount(20, 'usd')).toBe(0.2);
    expect(toMoesifAmount(30, 'usd')).toBe(0.3);
  });
});

describe('chargeAmountProblem', () => {
  test.each([
    // amount, currency, expected problem (substring)
    [0, 'usd', 'positive integer'],
    [-100, 'usd', 'positive integer'],
    [10.5, 'usd', 'positive integer'],
    [1000.01, 'usd', 'positive integer'],
    [Number.NaN, 'usd', 'positive integer'],
    [Number.POSITIVE_INFINITY, 'usd', 'positive integer'],
    [49, 'usd', 'at least 50'],
    [1, 'usd', 'at least 50'],
    [49, 'eur', 'at least 50'],
    [49, 'jpy', 'at least 50'],
    [29, 'gbp', 'at least 30'],
    [17_499, 'huf', 'at least 17500'],
    [1235, 'kwd', 'end in 0'],
    [1, 'bhd', 'end in 0'],
    [5, 'bhd', 'end in 0'],
    [99_999_999, 'kwd', 'end in 0'],
    [550, 'isk', 'end in 00'],
    [501, 'isk', 'end in 00'],
    [50_001, 'ugx', 'end in 00'],
    [100_000_000, 'usd', 'at most 99999999'],
    [100_000_000, 'jpy', 'at most 99999999'],
    [100_000_010, 'kwd', 'at most 99999999'],
  ])('%s %s → problem mentioning "%s"', (amount, currency, problem) => {
    const result = chargeAmountProblem(amount, currency);
    expect(result).not.toBeNull();
    expect(result).toContain(problem);
  });

  it('the minimum problem shows the minimum in both minor and major units', () => {
    expect(chargeAmountProblem(49, 'usd')).toBe("must be at least 50 (0.50 usd, Stripe's minimum)");
  });

  test.each([
    [50, 'usd'],
    [1000, 'usd'],
    [99_999_999, 'usd'],
    [50, 'eur'],
    [50, 'jpy'],
    [500, 'jpy'],
    [99_999_999, 'jpy'],
    [10, 'kwd'],
    [1230, 'kwd'],
    [99_999_990, 'kwd'],
    [100, 'isk'],
    [500, 'isk'],
    [17_500, 'huf'],
  ])('%i %s is chargeable', (amount, currency) => {
    expect(chargeAmountProblem(amount, currency)).toBeNull();
  });

  test.each([
    ['usd', 50],
    ['eur', 50],
    ['jpy', 50],
    ['gbp', 30],
    ['huf', 17_500],
    ['USD', 50],
    ['kwd', 1],
    ['xyz', 1],
  ])('minimumChargeAmount(%s) = %i', (currency, min) => {
    expect(minimumChargeAmount(currency)).toBe(min);
  });
});
