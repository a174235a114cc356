import { afterAll, beforeAll, describe, expect, it, test } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/config.js';
import { applyCreditRate, parseCreditRate, UNIT_RATE, type CreditRate } from '../../src/money/credit-rate.js';
import { moesifAmountText, toMoesifAmount } from '../../src/money/moesif-amount.js';
import type { FakeMoesif } from '../../src/simulators/fake-moesif.js';
import type { FakeStripe } from '../../src/simulators/stripe/fake-stripe.js';
import { startHarness, testEnv, topUpPaymentIntent, waitFor, type Harness } from '../support/harness.js';
import { deliver, drain, makeRefund, uid } from './ledger-helpers.js';

const rate = (text: string): CreditRate => {
  const r = parseCreditRate(text);
  if (!r) throw new Error(`bad rate ${text}`);
  return r;
};

/** A PaymentIntent on its own subscription, so one harness serves the whole table. */
function piFor(amount: number, currency: string) {
  const sub = uid('sub');
  const pi = topUpPaymentIntent({
    amount,
    amount_received: amount,
    currency,
    metadata: { topup_sync: 'v1', moesif_company_id: 'cus_alice', moesif_subscription_id: sub },
  });
  return { pi, sub };
}

// The amounts of every currency class end to end: test/money/credit-amounts-end-to-end.test.ts.

describe("CREDIT_RATES='eur:1.08,jpy:0.0067'", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ env: { CREDIT_RATES: 'eur:1.08,jpy:0.0067' } });
  });
  afterAll(async () => {
    await h.stop();
  });

  test.each([
    ['eur', 1000, 10.8],
    ['jpy', 1500, 10.05],
    ['usd', 1000, 10], // not listed: rate 1
    ['kwd', 1230, 1.23],
  ])('%s %i → %s credits', async (currency, amount, credits) => {
    const { pi, sub } = piFor(amount, currency);
    await deliver(h, h.stripe.makeEvent('payment_intent.succeeded', pi), 'queued');
    await waitFor(() => h.moesif.ledger.has(pi.id), 5_000, `credit ${pi.id}`);
    expect(h.moesif.ledger.get(pi.id)).toMatchObject({ type: 'credit', amount: credits });
    expect(JSON.stringify(h.moesif.ledger.get(pi.id)!.amount)).toBe(String(credits));
    expect(h.moesif.balanceOf(sub)).toBe(credits);
  });

  it('refunds are debited at the same rate: 1000 eur credited (10.8), 500 eur refunded (5.4) → 5.4', async () => {
    const { pi, sub } = piFor(1000, 'eur');
    await deliver(h, h.stripe.makeEvent('payment_intent.succeeded', pi), 'queued');
    const refund = makeRefund(pi.id, { amount: 500, currency: 'eur' });
    await deliver(h, h.stripe.makeEvent('refund.created', refund), 'queued');
    await drain(h, [pi.id, refund.id], 0);
    expect(h.moesif.ledger.get(refund.id)).toMatchObject({ type: 'debit', amount: 5.4 });
    expect(h.moesif.balanceOf(sub)).toBe(5.4);
  });
});

describe('applyCreditRate / moesifAmountText: exact decimals', () => {
  test.each([
    [1000, 2, '1', '10'],
    [1000, 2, '1.08', '10.8'],
    [1500, 0, '0.0067', '10.05'],
    [500, 0, '1', '500'],
    [1230, 3, '1', '1.23'],
    [5, 3, '1', '0.005'],
    [50_000, 2, '1', '500'],
    [99_999_999, 2, '1', '999999.99'],
    [1000, 2, '1.10', '11'], // trailing zeros of the rate and the product dropped
    [1000, 2, '1.500000', '15'],
    [100, 2, '2', '2'],
    [1, 2, '0.000001', '0.00000001'],
    [1, 3, '0.000001', '0.000000001'],
    [99_999_999, 2, '999999999.999999', '999999989999999.00000001'],
    [0, 2, '1.08', '0'],
    [-1000, 2, '1.08', '-10.8'],
    [-1, 2, '0.5', '-0.005'],
  ])('%i minor (exponent %i) × %s → "%s"', (minor, exponent, rateText, expected) => {
    expect(applyCreditRate(minor, exponent, rate(rateText))).toBe(expected);
  });

  it('never drifts: 0.1 + 0.2 style amounts come out exact', () => {
    for (const [minor, expected] of [[10, '0.1'], [20, '0.2'], [30, '0.3'], [110, '1.1'], [333, '3.33']] as const) {
      expect(applyCreditRate(minor, 2, UNIT_RATE)).toBe(expected);
    }
  });

  test.each([0.5, Number.NaN, Number.POSITIVE_INFINITY, Number.MAX_SAFE_INTEGER + 2])('refuses %s as an amount', (a) => {
    expect(() => applyCreditRate(a, 2, UNIT_RATE)).toThrow(RangeError);
  });

  test.each([
    [1000, 'usd', '10'],
    [500, 'jpy', '500'],
    [1230, 'kwd', '1.23'],
    [5, 'bhd', '0.005'],
    [50_000, 'isk', '500'],
    [500_000, 'ugx', '5000'],
    [12_345, 'krw', '12345'],
    [99_999_999, 'eur', '999999.99'],
  ])('moesifAmountText(%i, %s) → "%s" and toMoesifAmount is that number', (minor, currency, text) => {
    expect(moesifAmountText(minor, currency)).toBe(text);
    expect(toMoesifAmount(minor, currency)).toBe(Number(text));
  });
});

describe('parseCreditRate', () => {
  test.each([
    ['1', 1n, 0],
    ['1.08', 108n, 2],
    ['0.0067', 67n, 4],
    ['1.10', 110n, 2],
    ['0.000001', 1n, 6],
    ['999999999.999999', 999999999999999n, 6],
    [' 2.5 ', 25n, 1],
  ])('%j → digits %s, scale %i', (text, digits, scale) => {
    expect(parseCreditRate(text)).toEqual({ digits, scale });
  });

  test.each(['0', '0.0', '0.000000', '-1', '1.1234567', 'abc', '', ' ', '1e3', '.5', '1.', '1,08', '+1', '1000000000', 'NaN', 'Infinity'])(
    '%j is refused (null)',
    (text) => {
      expect(parseCreditRate(text)).toBeNull();
    },
  );
});

describe('CREDIT_RATES in the configuration', () => {
  // loadConfig only needs the URLs of the fakes: no servers are started here.
  const stripe = { url: 'http://127.0.0.1:9' } as unknown as FakeStripe;
  const moesif = { apiUrl: 'http://127.0.0.1:9/v1' } as unknown as FakeMoesif;
  const env = (overrides: Record<string, string | undefined>) => testEnv(stripe, moesif, overrides);

  it('a valid list parses into exact rates; unlisted currencies are absent (rate 1)', () => {
    const config = loadConfig(env({ CREDIT_RATES: 'eur:1.08, jpy:0.0067' }));
    expect(config.ledger.creditRates).toEqual({ eur: { digits: 108n, scale: 2 }, jpy: { digits: 67n, scale: 4 } });
    expect(loadConfig(env({})).ledger.creditRates).toEqual({});
  });

  test.each(['eur:abc', 'eur:0', 'eur:-1', 'eur:1.1234567', 'eur', 'EUR:1.08', 'eur:1.08,jpy:abc', 'euro:1'])(
    'CREDIT_RATES=%j → ConfigError naming CREDIT_RATES',
    (value) => {
      let error: unknown;
      try {
        loadConfig(env({ CREDIT_RATES: value }));
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).problems.some((p) => p.startsWith('CREDIT_RATES'))).toBe(true);
      expect((error as ConfigError).problems.every((p) => p.startsWith('CREDIT_RATES'))).toBe(true);
    },
  );
});
