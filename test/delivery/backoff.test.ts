import { describe, expect, it, test } from 'vitest';
import { retryDelayMs, type BackoffPolicy } from '../../src/outbox/backoff.js';

const policy: BackoffPolicy = { baseDelayMs: 100, maxDelayMs: 10_000 };
const lowest = () => 0;
const highest = () => 1;

/** The exponential ceiling for `attempts` failures under `policy`. */
const ceilingOf = (attempts: number, p: BackoffPolicy = policy) =>
  Math.min(p.maxDelayMs, p.baseDelayMs * 2 ** Math.max(attempts - 1, 0));

describe('retryDelayMs (outbox backoff)', () => {
  test.each([
    // attempts, ceiling (random = 1), half (random = 0)
    [1, 100, 50],
    [2, 200, 100],
    [3, 400, 200],
    [4, 800, 400],
    [5, 1_600, 800],
    [6, 3_200, 1_600],
    [7, 6_400, 3_200],
    [8, 10_000, 5_000], // 12 800 capped
    [9, 10_000, 5_000],
    [20, 10_000, 5_000],
  ])('after %i failures: at most %i ms, at least %i ms', (attempts, ceiling, half) => {
    expect(retryDelayMs(attempts, policy, null, highest)).toBe(ceiling);
    expect(retryDelayMs(attempts, policy, null, lowest)).toBe(half);
  });

  it('grows exponentially (doubling) until the cap', () => {
    let previous = 0;
    for (let attempts = 1; attempts <= 7; attempts++) {
      const d = retryDelayMs(attempts, policy, null, highest);
      if (previous > 0) expect(d).toBe(previous * 2);
      previous = d;
    }
  });

  it('never decreases with more failures, for a fixed random draw', () => {
    for (const r of [0, 0.3, 0.7, 1]) {
      let previous = 0;
      for (let attempts = 1; attempts <= 60; attempts++) {
        const d = retryDelayMs(attempts, policy, null, () => r);
        expect(d).toBeGreaterThanOrEqual(previous);
        previous = d;
      }
    }
  });

  test.each([0, 0.001, 0.25, 0.5, 0.75, 0.999, 1])('jitter with random() = %s stays within [ceiling/2, ceiling]', (r) => {
    for (let attempts = 1; attempts <= 40; attempts++) {
      const ceiling = ceilingOf(attempts);
      const d = retryDelayMs(attempts, policy, null, () => r);
      expect(d).toBeGreaterThanOrEqual(Math.floor(ceiling / 2));
      expect(d).toBeLessThanOrEqual(ceiling);
      expect(d).toBe(Math.round(ceiling / 2 + r * (ceiling / 2)));
    }
  });

  it('with the default Math.random: always an integer within [ceiling/2, ceiling] and never above the cap', () => {
    for (let i = 0; i < 2_000; i++) {
      const attempts = 1 + (i % 25);
      const ceiling = ceilingOf(attempts);
      const d = retryDelayMs(attempts, policy);
      expect(Number.isInteger(d)).toBe(true);
      expect(d).toBeGreaterThanOrEqual(ceiling / 2);
      expect(d).toBeLessThanOrEqual(ceiling);
      expect(d).toBeLessThanOrEqual(policy.maxDelayMs);
    }
  });

  test.each([1_000, 10_000, 100_000, 1_000_000, Number.MAX_SAFE_INTEGER])(
    'a huge failure count (%i) stays finite and capped',
    (attempts) => {
      const d = retryDelayMs(attempts, policy, null, highest);
      expect(Number.isFinite(d)).toBe(true);
      expect(d).toBe(policy.maxDelayMs);
      expect(retryDelayMs(attempts, policy, null, lowest)).toBe(policy.maxDelayMs / 2);
    },
  );

  test.each([0, -1, -100])('a non-positive failure count (%i) is treated as the first failure', (attempts) => {
    expect(retryDelayMs(attempts, policy, null, highest)).toBe(policy.baseDelayMs);
    expect(retryDelayMs(attempts, policy, null, lowest)).toBe(policy.baseDelayMs / 2);
  });

  test.each([
    // attempts, retryAfterMs, random, expected
    [1, 5_000, 0, 5_000], // Retry-After above the jittered delay wins
    [1, 5_000, 1, 5_000],
    [3, 5_000, 1, 5_000],
    [1, 0, 1, 100], // a zero Retry-After does not shorten the backoff
    [5, 100, 0, 800], // a Retry-After below the backoff does not shorten it either
    [5, 1_600, 1, 1_600],
    [8, 7_000, 0, 7_000], // 5 000 jittered < 7 000 floor
    [1, 10_000, 0, 10_000], // exactly the cap
    [1, 10_001, 0, 10_000], // floor, but still capped
    [1, 86_400_000, 0.5, 10_000], // one bad header cannot park an entry for a day
    [30, 3_600_000, 1, 10_000],
  ])('after %i failures with Retry-After %i ms (random %s) → %i ms', (attempts, retryAfterMs, r, expected) => {
    expect(retryDelayMs(attempts, policy, retryAfterMs, () => r)).toBe(expected);
  });

  it('Retry-After floor holds across random draws', () => {
    for (let i = 0; i <= 100; i++) {
      const r = i / 100;
      const d = retryDelayMs(2, policy, 3_000, () => r);
      expect(d).toBe(3_000);
    }
  });

  it('works with the harness-like tiny policy (base 10 ms, cap 50 ms)', () => {
    const tiny: BackoffPolicy = { baseDelayMs: 10, maxDelayMs: 50 };
    expect(retryDelayMs(1, tiny, null, highest)).toBe(10);
    expect(retryDelayMs(3, tiny, null, highest)).toBe(40);
    expect(retryDelayMs(4, tiny, null, highest)).toBe(50);
    expect(retryDelayMs(1, tiny, 1_000, lowest)).toBe(50); // Retry-After: 1 still capped
  });

  it('a base equal to the cap gives a constant ceiling', () => {
    const flat: BackoffPolicy = { baseDelayMs: 1_000, maxDelayMs: 1_000 };
    for (let attempts = 1; attempts < 10; attempts++) {
      expect(retryDelayMs(attempts, flat, null, highest)).toBe(1_000);
      expect(retryDelayMs(attempts, flat, null, lowest)).toBe(500);
    }
  });
});
