import type { Purchase } from '../top-ups/top-up-request.js';
import { creditsForQuantity } from './credit-amount.js';
import type { PackCatalog } from './pack-catalog.js';

/** What a purchase charges, and the credits it fixes (null: the amount at CREDIT_RATES). */
export interface PricedPurchase {
  amountMinor: number;
  currency: string;
  credits: string | null;
  /** The pack bought, if any. */
  priceId: string | null;
}

/** A pack's price and credits come from Stripe (read fresh: 400 if it is not a pack on sale). */
export async function pricePurchase(packs: PackCatalog, purchase: Purchase): Promise<PricedPurchase> {
  if (purchase.kind === 'amount') return { amountMinor: purchase.amountMinor, currency: purchase.currency, credits: null, priceId: null };
  const pack = await packs.resolve(purchase.priceId);
  const quantity = purchase.quantity ?? 1;
  return { amountMinor: pack.amountMinor * quantity, currency: pack.currency, credits: creditsForQuantity(pack.credits, quantity), priceId: pack.priceId };
}
