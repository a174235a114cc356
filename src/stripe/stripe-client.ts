import Stripe from 'stripe';
import type { Config } from '../config/config.js';

/**
 * The one Stripe SDK instance. STRIPE_API_BASE points it at a local mock or simulator; otherwise
 * it talks to api.stripe.com. Network retries are safe because every mutating call carries a
 * deterministic idempotency key.
 */
export function createStripeClient(config: Pick<Config['stripe'], 'secretKey' | 'apiBase'>): Stripe {
  const base = config.apiBase;
  return new Stripe(config.secretKey, {
    maxNetworkRetries: 2,
    timeout: 20_000,
    ...(base
      ? {
          host: base.hostname,
          port: base.port || (base.protocol === 'https:' ? 443 : 80),
          protocol: base.protocol === 'http:' ? 'http' : 'https',
        }
      : {}),
  });
}
