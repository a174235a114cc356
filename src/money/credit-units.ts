/**
 * Promotions and adjustments are counted in credits, not money: the outbox keeps them as integer
 * micro-credits under this pseudo-currency (never a Stripe currency: those are three letters), so
 * every ledger amount stays an integer and converts to Moesif's decimal exactly.
 */
export const CREDITS_CURRENCY = 'credits';
export const CREDITS_EXPONENT = 6;

const CREDITS = /^(-?)(\d{1,12})(?:\.(\d{1,6}))?$/;

/** "50" → 50_000_000; "-0.5" → -500_000; null when not a decimal of at most 6 places (or too large). */
export function parseMicroCredits(text: string): number | null {
  const m = CREDITS.exec(text.trim());
  if (!m) return null;
  const micro = Number(m[2]!) * 10 ** CREDITS_EXPONENT + Number((m[3] ?? '').padEnd(CREDITS_EXPONENT, '0'));
  if (!Number.isSafeInteger(micro)) return null;
  return m[1] === '-' ? -micro : micro;
}
