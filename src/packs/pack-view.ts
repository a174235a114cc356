import type { CreditPack } from './credit-pack.js';

/** A credit pack as GET /packs shows it. */
export interface PackView {
  price_id: string;
  /** Credits per pack (exact decimal text). */
  credits: string;
  /** In the currency's minor units. */
  amount: number;
  currency: string;
  name: string | null;
}

export const packView = (p: CreditPack): PackView => ({ price_id: p.priceId, credits: p.credits, amount: p.amountMinor, currency: p.currency, name: p.name });
