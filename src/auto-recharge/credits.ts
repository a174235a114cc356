import { UNIT_RATE } from '../money/credit-rate.js';
import { currencyClass, stripeExponent } from '../money/currencies.js';
import type { CreditRates } from '../money/moesif-amount.js';

/**
 * Auto-recharge compares credits exactly: as integer micro-credits (6 decimals, the most a
 * credit rate has). Moesif's balances arrive as JSON numbers and are rounded to the nearest
 * micro-credit once, at the edge; everything after that is integer arithmetic.
 */
export const MICRO = 1_000_000;

/** A credit figure from Moesif or a request (a number) as micro-credits. */
export function toMicro(credits: number): number {
  return Math.round(credits * MICRO);
}

export function fromMicro(micro: number): number {
  return micro / MICRO;
}

const pow10 = (n: number): bigint => 10n ** BigInt(n);

/** The credits (micro, rounded down) that `amountMinor` of `currency` buys. */
export function microCreditsFor(amountMinor: number, currency: string, rates: CreditRates): number {
  const rate = rates[currency] ?? UNIT_RATE;
  const scale = stripeExponent(currency) + rate.scale;
  return Number((BigInt(amountMinor) * rate.digits * BigInt(MICRO)) / pow10(scale));
}

/** The smallest amount (minor units) that buys at least `micro` credits. */
export function minorUnitsFor(micro: number, currency: string, rates: CreditRates): number {
  if (micro <= 0) return 0;
  const rate = rates[currency] ?? UNIT_RATE;
  const scale = stripeExponent(currency) + rate.scale;
  const numerator = BigInt(micro) * pow10(scale);
  const denominator = rate.digits * BigInt(MICRO);
  return Number((numerator + denominator - 1n) / denominator);
}

/** The step Stripe charges this currency in: 10 for three-decimal currencies, 100 for ISK/UGX, else 1. */
export function chargeStep(currency: string): number {
  switch (currencyClass(currency)) {
    case 'three-decimal':
      return 10;
    case 'two-decimal-whole-units':
      return 100;
    default:
      return 1;
  }
}

export const roundUpToStep = (amount: number, step: number): number => Math.ceil(amount / step) * step;
export const roundDownToStep = (amount: number, step: number): number => Math.floor(amount / step) * step;
