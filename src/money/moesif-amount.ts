import { formatMinorUnits } from './currencies.js';

/**
 * Moesif's balance-transaction `amount` is a JSON number in major units ("adding $10" for a $10
 * top-up). It is derived from the exact decimal text, so the number sent is the double nearest to
 * that decimal, and JSON.stringify prints it back as the same shortest decimal (10, 1.23, 999999.99).
 * Trailing zeros are dropped: 1230 kwd → 1.23.
 */
export function toMoesifAmount(amountMinor: number, currency: string): number {
  return Number(formatMinorUnits(amountMinor, currency));
}
