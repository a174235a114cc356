import { describe, expect, it } from 'vitest';
import { creditsForQuantity, formatCredits, parseCredits, sumCredits, takebackCredits } from '../../src/packs/credit-amount.js';

/** A small seeded generator (mulberry32): the property runs are the same on every machine. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const micro = (text: string): bigint => parseCredits(text) ?? 0n;

describe('exact credit amounts', () => {
  it.each([
    ['11000', 11_000_000_000n, '11000'],
    ['2.5', 2_500_000n, '2.5'],
    ['0.000001', 1n, '0.000001'],
    ['007.100', 7_100_000n, '7.1'],
  ])('parses %s and prints it back in its shortest form', (text, expected, printed) => {
    expect(parseCredits(text)).toBe(expected);
    expect(formatCredits(expected)).toBe(printed);
  });

  it.each(['0', '0.0', '-1', '1.0000001', '1e3', 'ten', '', '1234567890123'])('refuses %j as a credit amount', (text) => {
    expect(parseCredits(text)).toBeNull();
  });

  it('multiplies a pack by its quantity and sums lines exactly (no float drift)', () => {
    expect(creditsForQuantity('0.1', 3)).toBe('0.3');
    expect(creditsForQuantity('11000', 3)).toBe('33000');
    expect(sumCredits(['0.1', '0.2'])).toBe('0.3');
  });
});

describe('proportional takeback (the documented rounding rule)', () => {
  it.each([
    // credited, paid, refunded → taken back
    ['11000', 10000, 10000, '11000'],
    ['11000', 10000, 2500, '2750'],
    ['11000', 10000, 3333, '3666.3'],
    ['100', 3, 1, '33.333333'],
    ['1', 3, 1, '0.333333'],
    ['11000', 10000, 20000, '11000'],
  ])('%s credits for %i paid, %i refunded → %s', (credited, paid, taken, expected) => {
    expect(takebackCredits(credited, paid, taken)).toBe(expected);
  });

  it('a share below one micro-credit takes back nothing', () => {
    expect(takebackCredits('0.000001', 1000, 1)).toBeNull();
  });

  it('property: a full refund takes back exactly all; partial refunds never take back more than was credited', () => {
    const next = random(20261201);
    for (let run = 0; run < 2_000; run++) {
      const credited = formatCredits(BigInt(1 + Math.floor(next() * 1e12)));
      const paid = 1 + Math.floor(next() * 1e9);
      expect(takebackCredits(credited, paid, paid)).toBe(credited);
      // Split what was paid into up to 5 refunds; their takebacks sum to at most what was credited,
      // and fall short by less than one micro-credit per refund.
      let left = paid;
      let taken = 0n;
      let refunds = 0;
      while (left > 0 && refunds < 5) {
        const amount = refunds === 4 ? left : Math.max(1, Math.floor(next() * left));
        taken += micro(takebackCredits(credited, paid, amount) ?? '0');
        left -= amount;
        refunds += 1;
      }
      const all = micro(credited);
      const share = (all * BigInt(paid - left)) / BigInt(paid);
      expect(taken <= all).toBe(true);
      expect(taken <= share).toBe(true);
      expect(share - taken < BigInt(refunds)).toBe(true);
    }
  });

  it('property: the takeback grows with the amount refunded and never exceeds the proportional share', () => {
    const next = random(7);
    for (let run = 0; run < 2_000; run++) {
      const credited = formatCredits(BigInt(1 + Math.floor(next() * 1e10)));
      const paid = 1 + Math.floor(next() * 1e6);
      const a = Math.floor(next() * paid);
      const b = a + Math.floor(next() * (paid - a));
      const ta = micro(takebackCredits(credited, paid, a) ?? '0');
      const tb = micro(takebackCredits(credited, paid, b) ?? '0');
      expect(ta <= tb).toBe(true);
      expect(tb * BigInt(paid) <= micro(credited) * BigInt(b)).toBe(true);
    }
  });
});
