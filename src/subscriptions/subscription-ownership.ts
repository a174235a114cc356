import type { Caller } from '../auth/caller.js';
import { TtlCache } from '../balances/ttl-cache.js';
import { ApiError } from '../http/api-error.js';
import type { StripeGateway, SubscriptionOwner } from '../stripe/stripe-gateway.js';

/** Stripe never moves a subscription to another customer; the TTL only bounds how long "no such subscription" is believed. */
const OWNER_CACHE_TTL_MS = 60_000;
const OWNER_CACHE_ENTRIES = 10_000;

/**
 * The one check that a subscription named by a caller belongs to the customer it acts for, for
 * every route that names one (top-ups, balances, and later checkout, auto-recharge, billing).
 * The owner is Stripe's `subscription.customer`, cached briefly.
 */
export class SubscriptionOwnership {
  private readonly owners: TtlCache<SubscriptionOwner | null>;

  constructor(
    private readonly stripe: Pick<StripeGateway, 'getSubscriptionOwner'>,
    now: () => number = Date.now,
  ) {
    this.owners = new TtlCache(OWNER_CACHE_TTL_MS, OWNER_CACHE_ENTRIES, now);
  }

  /**
   * Throws unless `subscriptionId` is `customerId`'s: 403 forbidden for browser (JWT) callers, who
   * learn nothing about other customers' subscriptions; 422 subscription_not_owned for API-key
   * callers (a server's mistake, said plainly). Stripe unreachable is the usual 503.
   */
  async assertOwned(caller: Caller, customerId: string, subscriptionId: string): Promise<void> {
    const owner = await this.owners.get(subscriptionId, () => this.stripe.getSubscriptionOwner(subscriptionId));
    if (owner?.customerId === customerId) return;
    if (caller.kind === 'jwt') throw new ApiError('forbidden', 'You may only name your own subscriptions.');
    throw new ApiError(
      'subscription_not_owned',
      owner ? 'The subscription belongs to another customer.' : 'Stripe has no such subscription.',
      { param: 'subscription_id' },
    );
  }
}
