import type Stripe from 'stripe';
import { formatCredits, parseCredits } from '../packs/credit-amount.js';
import { CREDITS_KEY } from './top-up-metadata.js';

/** A Stripe Price in the project's own terms: what a credit pack needs to know. */
export interface PriceInfo {
  id: string;
  active: boolean;
  recurring: boolean;
  /** Null for prices without a fixed per-unit amount (tiered, customer-chosen). */
  unitAmountMinor: number | null;
  currency: string;
  /** `moesif_credits` of the price, else of its product (credits per unit, exact); null when neither has a valid one. */
  creditsPerUnit: string | null;
  /** The product's name, for a frontend to show. */
  name: string | null;
}

/** Credits per unit from metadata, normalised ("11000", "2.5"); null when absent or not a positive decimal of ≤ 6 places. */
export function creditsFromMetadata(metadata: Record<string, string> | null | undefined): string | null {
  const text = metadata?.[CREDITS_KEY];
  if (text === undefined) return null;
  const micro = parseCredits(text);
  return micro === null ? null : formatCredits(micro);
}

/** Reads a Price, its product expanded or not (then only the price's own metadata counts). */
export function toPriceInfo(price: Stripe.Price): PriceInfo {
  const product = typeof price.product === 'object' && price.product !== null && !price.product.deleted ? price.product : null;
  return {
    id: price.id,
    active: price.active,
    recurring: price.type === 'recurring',
    unitAmountMinor: price.unit_amount ?? null,
    currency: price.currency.toLowerCase(),
    creditsPerUnit: creditsFromMetadata(price.metadata) ?? creditsFromMetadata(product?.metadata),
    name: product?.name ?? price.nickname ?? null,
  };
}
