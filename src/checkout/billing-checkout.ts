import type { BillingCheckoutPort } from '../billing-page/capabilities.js';
import type { Config } from '../config/config.js';
import { ApiError } from '../http/api-error.js';
import type { TopUpDeps } from '../top-ups/create-top-up.js';
import { createCheckout } from './create-checkout.js';
import { returnUrlProblem } from './return-url.js';

/**
 * The origins the billing page's own checkout may return to: CHECKOUT_RETURN_ORIGINS, plus
 * BILLING_PUBLIC_URL when set (the operator named it as the page's address). Without
 * BILLING_PUBLIC_URL the page uses the origin the request came to, which the Host header (the
 * client) decides, so it must be listed in CHECKOUT_RETURN_ORIGINS: never an open redirect.
 */
export function billingReturnOrigins(config: Config): string[] {
  const origins = [...config.checkout.returnOrigins];
  if (config.billing.publicUrl) origins.push(new URL(config.billing.publicUrl).origin);
  return origins;
}

/**
 * The billing page's "buy" section on hosted checkout: the packs of the PackCatalog and a
 * Checkout Session made by createCheckout, as POST /top-up/checkout makes it. None (the page
 * hides the section) when no origin could be returned to.
 */
export function billingCheckout(deps: TopUpDeps, config: Config): BillingCheckoutPort | undefined {
  const origins = billingReturnOrigins(config);
  if (origins.length === 0) return undefined;
  return {
    async listPacks() {
      const packs = await deps.packs.list();
      return packs.map((p) => ({ id: p.priceId, name: p.name ?? `${p.credits} credits`, credits: Number(p.credits), amount: p.amountMinor, currency: p.currency }));
    },
    async start(caller, request) {
      for (const url of [request.successUrl, request.cancelUrl]) {
        if (returnUrlProblem(url, origins) !== null) {
          throw new ApiError('forbidden', 'This page\'s address is not one checkout may return to (BILLING_PUBLIC_URL, CHECKOUT_RETURN_ORIGINS).');
        }
      }
      const purchase = 'pack' in request ? { kind: 'pack' as const, priceId: request.pack } : { kind: 'amount' as const, amountMinor: request.amount, currency: request.currency };
      const result = await createCheckout(
        deps,
        caller,
        { customerId: request.customerId, purchase, subscriptionId: request.subscriptionId, successUrl: request.successUrl, cancelUrl: request.cancelUrl, saveCard: false },
        request.idempotencyKey,
      );
      if (!result.url) throw new ApiError('internal_error', 'Stripe gave the Checkout Session no URL.');
      return { url: result.url };
    },
  };
}
