/**
 * What a declined off-session charge means for the next one. Stripe's guidance ("Declines",
 * decline codes): never retry a card reported lost or stolen, fraudulent, expired, mistyped or
 * unsupported, nor one whose issuer says do_not_try_again (as a decline code or as
 * `advice_code`); insufficient funds, processing errors and "try again later" may be retried.
 * Unknown codes (generic_decline, …) are treated as soft, so the retry limits still bound them.
 */
const HARD = new Set([
  'lost_card',
  'stolen_card',
  'pickup_card',
  'fraudulent',
  'expired_card',
  'incorrect_number',
  'card_not_supported',
  'do_not_try_again',
]);

export type DeclineClass = 'hard' | 'soft';

export function declineClass(declineCode: string | null, adviceCode: string | null): DeclineClass {
  if (adviceCode === 'do_not_try_again') return 'hard';
  return declineCode !== null && HARD.has(declineCode) ? 'hard' : 'soft';
}

const HOUR = 3600_000;

/** Waits after the 1st, 2nd and 3rd consecutive soft decline; the next one after those suspends. */
export const SOFT_DECLINE_DELAYS_MS: readonly number[] = [1 * HOUR, 6 * HOUR, 24 * HOUR];

/**
 * When to try again after `consecutive` soft declines in a row (this one included), or null
 * when the setting is to be suspended: the three retries (1 h, 6 h, 24 h later) all failed.
 */
export function softDeclineRetryAt(consecutive: number, now: number): number | null {
  const delay = SOFT_DECLINE_DELAYS_MS[consecutive - 1];
  return delay === undefined ? null : now + delay;
}

/** Card networks allow about 15 retries of one card in 30 days; Stripe may block it after that. */
export const CARD_ATTEMPTS_PER_30_DAYS = 15;
export const THIRTY_DAYS_MS = 30 * 24 * HOUR;
