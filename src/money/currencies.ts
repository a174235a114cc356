/**
 * Stripe's own table of minor units (not ISO 4217): how many decimals an `amount` in the Stripe API
 * carries for each currency, and the amounts Stripe refuses to charge.
 * Source: Stripe "Supported currencies" (zero-decimal, three-decimal and special cases).
 */

/** Amounts are whole units: 500 jpy is ¥500. */
const ZERO_DECIMAL = new Set([
  'bif', 'clp', 'djf', 'gnf', 'jpy', 'kmf', 'krw', 'mga', 'pyg', 'rwf', 'vnd', 'vuv', 'xaf', 'xof', 'xpf',
]);

/** Amounts have three decimals and Stripe requires the last digit to be 0: 1230 kwd is 1.230 KWD. */
const THREE_DECIMAL = new Set(['bhd', 'jod', 'kwd', 'omr', 'tnd']);

/**
 * Whole-unit currencies that Stripe's API still represents with two decimals that must be 00:
 * 500 isk is 5 ISK. Fractions are refused.
 */
const TWO_DECIMAL_WHOLE_UNITS = new Set(['isk', 'ugx']);

/**
 * Stripe's minimum charge amounts, in the currency's Stripe minor units. Currencies absent here
 * get no minimum of ours beyond "positive"; Stripe's own refusal is then reported to the caller.
 */
const MINIMUM_CHARGE: Readonly<Record<string, number>> = {
  usd: 50, aed: 200, aud: 50, bgn: 100, brl: 50, cad: 50, chf: 50, czk: 1500, dkk: 250, eur: 50,
  gbp: 30, hkd: 400, huf: 17500, inr: 50, jpy: 50, mxn: 1000, myr: 200, nok: 300, nzd: 50, pln: 200,
  ron: 200, sek: 300, sgd: 50, thb: 1000,
};

/** Stripe's largest `amount`: eight digits. */
export const STRIPE_MAX_AMOUNT = 99_999_999;

export type CurrencyClass = 'zero-decimal' | 'two-decimal' | 'three-decimal' | 'two-decimal-whole-units';

export function currencyClass(currency: string): CurrencyClass {
  const c = currency.toLowerCase();
  if (ZERO_DECIMAL.has(c)) return 'zero-decimal';
  if (THREE_DECIMAL.has(c)) return 'three-decimal';
  if (TWO_DECIMAL_WHOLE_UNITS.has(c)) return 'two-decimal-whole-units';
  return 'two-decimal';
}

/** The number of decimals in a Stripe API amount of this currency. */
export function stripeExponent(currency: string): 0 | 2 | 3 {
  switch (currencyClass(currency)) {
    case 'zero-decimal':
      return 0;
    case 'three-decimal':
      return 3;
    case 'two-decimal':
    case 'two-decimal-whole-units':
      return 2;
  }
}

export function minimumChargeAmount(currency: string): number {
  return MINIMUM_CHARGE[currency.toLowerCase()] ?? 1;
}

/**
 * Why Stripe would refuse to charge this amount, or null when it is chargeable as far as we can
 * tell locally. `amount` is in Stripe minor units.
 */
export function chargeAmountProblem(amount: number, currency: string): string | null {
  if (!Number.isSafeInteger(amount) || amount <= 0) return 'must be a positive integer in minor units';
  if (amount > STRIPE_MAX_AMOUNT) return `must be at most ${STRIPE_MAX_AMOUNT} (Stripe's limit)`;
  const cls = currencyClass(currency);
  if (cls === 'three-decimal' && amount % 10 !== 0) {
    return `${currency} amounts must end in 0 (Stripe charges three-decimal currencies in steps of 10)`;
  }
  if (cls === 'two-decimal-whole-units' && amount % 100 !== 0) {
    return `${currency} amounts are whole units written with two decimals, so they must end in 00`;
  }
  const min = minimumChargeAmount(currency);
  if (amount < min) return `must be at least ${min} (${formatMinorUnits(min, currency)} ${currency}, Stripe's minimum)`;
  return null;
}

/**
 * The decimal text of a Stripe minor-unit amount, built from integers only (no float arithmetic):
 * 1000 usd → "10.00", 500 jpy → "500", 1230 kwd → "1.230", -5 usd → "-0.05".
 */
export function formatMinorUnits(amount: number, currency: string): string {
  if (!Number.isSafeInteger(amount)) throw new RangeError(`amount must be a safe integer, got ${amount}`);
  const exponent = stripeExponent(currency);
  const sign = amount < 0 ? '-' : '';
  const digits = Math.abs(amount).toString();
  if (exponent === 0) return sign + digits;
  const padded = digits.padStart(exponent + 1, '0');
  return `${sign}${padded.slice(0, -exponent)}.${padded.slice(-exponent)}`;
}
