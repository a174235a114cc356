import { stripeExponent } from './currencies.js';
import { applyCreditRate, UNIT_RATE, type CreditRate } from './credit-rate.js';
import { CREDITS_CURRENCY, CREDITS_EXPONENT } from './credit-units.js';

/** Credit rates by lower-case currency; a currency not listed converts at 1. */
export type CreditRates = Readonly<Record<string, CreditRate>>;

/**
 * The exact decimal text of what Moesif should record for a Stripe amount: the amount in major
 * units (through the currency's Stripe exponent) times the currency's credit rate.
 * 1000 usd → "10"; 500 jpy → "500"; 1230 kwd → "1.23"; 1000 eur at 1.08 → "10.8".
 */
export function moesifAmountText(amountMinor: number, currency: string, rates: CreditRates = {}): string {
  const c = currency.toLowerCase();
  // Granted credits are already credits (micro-credits): no exponent of a currency, no rate.
  if (c === CREDITS_CURRENCY) return applyCreditRate(amountMinor, CREDITS_EXPONENT, UNIT_RATE);
  return applyCreditRate(amountMinor, stripeExponent(c), rates[c] ?? UNIT_RATE);
}

/**
 * Moesif's `amount` is a JSON number. It is the double nearest to the exact decimal text, which
 * JSON.stringify prints back as that same decimal (10, 1.23, 999999.99) for up to 15 significant digits.
 */
export function toMoesifAmount(amountMinor: number, currency: string, rates: CreditRates = {}): number {
  return Number(moesifAmountText(amountMinor, currency, rates));
}
