import type { PriceInfo } from '../stripe/price-info.js';

/** A credit pack: a one-time Stripe Price that buys a fixed number of credits per unit, whatever it costs. */
export interface CreditPack {
  priceId: string;
  /** Credits per unit bought (exact decimal text). */
  credits: string;
  amountMinor: number;
  currency: string;
  name: string | null;
}

/**
 * The pack a Price is, or why it cannot be sold as one: a price without `moesif_credits` (on
 * itself or its product) is not a pack; an inactive one cannot be bought (Stripe refuses it in a
 * Checkout Session too); a recurring one is a subscription, not a one-off purchase of credits.
 */
export function packFromPrice(price: PriceInfo | null): { ok: true; pack: CreditPack } | { ok: false; problem: string } {
  if (!price) return { ok: false, problem: 'no such price' };
  if (!price.creditsPerUnit) return { ok: false, problem: 'is not a credit pack (no moesif_credits in its or its product’s metadata)' };
  if (!price.active) return { ok: false, problem: 'is not active' };
  if (price.recurring) return { ok: false, problem: 'is a recurring price; a credit pack is bought once' };
  if (price.unitAmountMinor === null || price.unitAmountMinor <= 0) return { ok: false, problem: 'has no fixed unit amount' };
  return {
    ok: true,
    pack: { priceId: price.id, credits: price.creditsPerUnit, amountMinor: price.unitAmountMinor, currency: price.currency, name: price.name },
  };
}
