import { TtlCache } from '../balances/ttl-cache.js';
import { ApiError } from '../http/api-error.js';
import type { PriceInfo } from '../stripe/price-info.js';
import { packFromPrice, type CreditPack } from './credit-pack.js';

export interface PricesSource {
  retrievePrice(id: string): Promise<PriceInfo | null>;
  listActiveOneTimePrices(): Promise<PriceInfo[]>;
}

/**
 * The packs on sale. The list (GET /packs, shown by a frontend) is cached for PACKS_CACHE_TTL_MS;
 * a pack being bought is always read fresh from Stripe, so a price deactivated a second ago is
 * never sold.
 */
export class PackCatalog {
  private readonly cache: TtlCache<CreditPack[]>;

  constructor(
    private readonly stripe: PricesSource,
    ttlMs: number,
    now: () => number,
  ) {
    this.cache = new TtlCache(ttlMs, 1, now);
  }

  list(): Promise<CreditPack[]> {
    return this.cache.get('packs', async () => {
      const prices = await this.stripe.listActiveOneTimePrices();
      return prices.flatMap((p) => {
        const found = packFromPrice(p);
        return found.ok ? [found.pack] : [];
      });
    });
  }

  /** The pack `priceId` is; a 400 naming the field when it is not one that can be bought. */
  async resolve(priceId: string, field = 'pack'): Promise<CreditPack> {
    const found = packFromPrice(await this.stripe.retrievePrice(priceId));
    if (found.ok) return found.pack;
    throw new ApiError('validation_failed', `Invalid request: ${field}: ${found.problem}`, {
      fields: [{ field, problem: found.problem }],
    });
  }
}
