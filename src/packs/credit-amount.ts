/**
 * Exact credit amounts fixed by what was bought (a credit pack: N credits per unit, whatever the
 * price) rather than by CREDIT_RATES. Kept as decimal text with at most 6 places, the same
 * precision as a credit rate, and computed as integers of millionths ("micro-credits"), so no
 * float ever touches them.
 */
export const CREDIT_SCALE = 6;
const MICRO = 10n ** BigInt(CREDIT_SCALE);
const CREDITS = /^(\d{1,12})(?:\.(\d{1,6}))?$/;

/** "11000" or "2.5" → micro-credits; null unless a positive decimal of at most 12 digits and 6 places. */
export function parseCredits(text: string): bigint | null {
  const m = CREDITS.exec(text.trim());
  if (!m) return null;
  const micro = BigInt(m[1]!) * MICRO + BigInt((m[2] ?? '').padEnd(CREDIT_SCALE, '0'));
  return micro > 0n ? micro : null;
}

/** Micro-credits → the shortest exact decimal text ("11000", "2.5", "0.000001"). */
export function formatCredits(micro: bigint): string {
  if (micro < 0n) throw new RangeError('credits are never negative');
  const whole = micro / MICRO;
  const fraction = (micro % MICRO).toString().padStart(CREDIT_SCALE, '0').replace(/0+$/, '');
  return fraction ? `${whole}.${fraction}` : whole.toString();
}

/** N credits per unit times a quantity, exactly. */
export function creditsForQuantity(perUnit: string, quantity: number): string {
  const micro = parseCredits(perUnit);
  if (micro === null || !Number.isSafeInteger(quantity) || quantity <= 0) {
    throw new RangeError('expected positive credits per unit and a positive integer quantity');
  }
  return formatCredits(micro * BigInt(quantity));
}

/** Adds exact credit amounts (e.g. a pack's lines). */
export function sumCredits(amounts: readonly string[]): string {
  let total = 0n;
  for (const a of amounts) {
    const micro = parseCredits(a);
    if (micro === null) throw new RangeError('not a credit amount');
    total += micro;
  }
  return formatCredits(total);
}

/**
 * The credits a refund or dispute of `takenMinor` takes back from a purchase that paid
 * `paidMinor` and was credited `credited` (exact). The rule, documented in the README:
 *
 * - taking back all that was paid (or more) takes back exactly what was credited;
 * - otherwise credited × taken ÷ paid, rounded DOWN to the micro-credit (6 decimals).
 *
 * Each refund is computed from its own amount only, so its debit is the same whatever order the
 * refunds arrive in (its transaction id stays deterministic). Rounding down means the partial
 * refunds of one payment never take back more than was credited; together they may take back
 * up to 0.000001 credits per refund less than a proportional share. Null when nothing is taken
 * back (a share below one micro-credit).
 */
export function takebackCredits(credited: string, paidMinor: number, takenMinor: number): string | null {
  const micro = parseCredits(credited);
  if (micro === null) throw new RangeError('not a credit amount');
  if (!Number.isSafeInteger(paidMinor) || paidMinor <= 0 || !Number.isSafeInteger(takenMinor) || takenMinor < 0) {
    throw new RangeError('expected a positive paid amount and a non-negative taken amount');
  }
  if (takenMinor >= paidMinor) return formatCredits(micro);
  const share = (micro * BigInt(takenMinor)) / BigInt(paidMinor);
  return share > 0n ? formatCredits(share) : null;
}
