/** Numbers as the customer reads them: their locale (or the session's), Intl.NumberFormat only. */

export function creditsText(value: number, locale: string | undefined): string {
  return new Intl.NumberFormat(locale, { minimumFractionDigits: 2, maximumFractionDigits: 6 }).format(value);
}

/**
 * Money from the service's exact decimal text (e.g. "10.00", "1.230"): formatted as a string, so
 * no float ever touches it, with as many decimals as Stripe uses for the currency.
 */
export function moneyText(decimal: string, currency: string, locale: string | undefined): string {
  const decimals = decimal.includes('.') ? decimal.length - decimal.indexOf('.') - 1 : 0;
  return new Intl.NumberFormat(locale, {
    style: 'currency',
    currency: currency.toUpperCase(),
    minimumFractionDigits: decimals,
    maximumFractionDigits: decimals,
  }).format(decimal as Intl.StringNumericLiteral);
}

/** Integer minor units → exact decimal text with `exponent` decimals (1000, 2 → "10.00"). */
export function decimalText(minor: number, exponent: number): string {
  if (exponent === 0) return String(minor);
  const digits = String(minor).padStart(exponent + 1, '0');
  return `${digits.slice(0, -exponent)}.${digits.slice(-exponent)}`;
}

/**
 * A typed amount ("25", "25.5", "25,50") → integer minor units with the currency's exponent, or
 * null when it is not a plain amount with at most that many decimals. Strings only: exact.
 */
export function toMinorUnits(text: string, exponent: number): number | null {
  const m = /^(\d{1,9})(?:[.,](\d+))?$/.exec(text.trim());
  if (!m) return null;
  const fraction = m[2] ?? '';
  if (fraction.length > exponent) return null;
  return Number(m[1]! + fraction.padEnd(exponent, '0'));
}

/** A typed number of credits ("12", "12.5", "12,5") with at most 6 decimals, or null. */
export function parseCredits(text: string): number | null {
  const m = /^(\d{1,10})(?:[.,](\d{1,6}))?$/.exec(text.trim());
  return m ? Number(`${m[1]!}.${m[2] ?? '0'}`) : null;
}
