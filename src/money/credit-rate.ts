/**
 * How many credits one major unit of a currency buys, as an exact decimal (at most 6 places):
 * CREDIT_RATES=usd:1,eur:1.08 makes a 10.00 EUR top-up 10.8 credits. Kept as integer digits and
 * a scale, so applying it never touches floating point.
 */
export interface CreditRate {
  /** The rate's digits: 1.08 → 108n. */
  digits: bigint;
  /** Decimal places: 1.08 → 2. */
  scale: number;
}

export const UNIT_RATE: CreditRate = { digits: 1n, scale: 0 };

const RATE = /^(\d{1,9})(?:\.(\d{1,6}))?$/;

/** Parses "1.08"; null when it is not a positive decimal with at most 6 places. */
export function parseCreditRate(text: string): CreditRate | null {
  const m = RATE.exec(text.trim());
  if (!m) return null;
  const fraction = m[2] ?? '';
  const digits = BigInt(m[1]! + fraction);
  if (digits === 0n) return null;
  return { digits, scale: fraction.length };
}

/**
 * The exact decimal text of `amountMinor` (Stripe minor units, `exponent` decimals) times `rate`.
 * The product of two finite decimals is a finite decimal, so there is no rounding: the result has
 * at most exponent + 6 places, trailing zeros dropped ("10.8", "500", "0.005").
 */
export function applyCreditRate(amountMinor: number, exponent: number, rate: CreditRate): string {
  if (!Number.isSafeInteger(amountMinor)) throw new RangeError(`amount must be a safe integer, got ${amountMinor}`);
  const negative = amountMinor < 0;
  const product = BigInt(Math.abs(amountMinor)) * rate.digits;
  const scale = exponent + rate.scale;
  let text = product.toString();
  if (scale > 0) {
    text = text.padStart(scale + 1, '0');
    text = `${text.slice(0, -scale)}.${text.slice(-scale)}`.replace(/\.?0+$/, '');
  }
  return negative && text !== '0' ? `-${text}` : text;
}
