import type { Caller } from '../auth/caller.js';

/**
 * Which sections the billing page shows. Each is on only when the service has the API behind
 * it: buying goes to a Stripe Checkout Session (src/checkout/billing-checkout.ts), auto-recharge and
 * history to their own capabilities. The page hides what is off.
 */
export interface BillingCapabilities {
  checkout: boolean;
  /** A custom amount besides packs (BILLING_CUSTOM_AMOUNTS, and only with checkout). */
  customAmounts: boolean;
  autoRecharge: boolean;
  history: boolean;
}

/** A credit pack as the page lists it. */
export interface BillingPack {
  id: string;
  name: string;
  credits: number;
  amount: number;
  currency: string;
}

export type BillingPurchase = { pack: string } | { amount: number; currency: string };

/**
 * What the page needs from hosted checkout: src/checkout/billing-checkout.ts, plugged in by
 * service.ts (none, and no "buy" section, when no return origin is configured).
 */
export interface BillingCheckoutPort {
  listPacks(): Promise<BillingPack[]>;
  /** Starts a Checkout Session for the customer; the page sends the browser to `url`. */
  start(
    caller: Caller,
    request: { customerId: string; subscriptionId: string | null; successUrl: string; cancelUrl: string; idempotencyKey: string } & BillingPurchase,
  ): Promise<{ url: string }>;
}

/** `account`: whether the history and auto-recharge routes are mounted (src/http/routes/billing-account-routes.ts). */
export function capabilitiesOf(checkout: BillingCheckoutPort | undefined, customAmounts: boolean, account: boolean): BillingCapabilities {
  return { checkout: checkout !== undefined, customAmounts: checkout !== undefined && customAmounts, autoRecharge: account, history: account };
}
