import type { Caller } from '../auth/caller.js';
import { mayActFor } from '../auth/caller.js';
import { ApiError } from '../http/api-error.js';
import { MoesifDeliveryError } from '../moesif/moesif-errors.js';
import type { SubscriptionBalance } from '../moesif/moesif-ledger.js';
import type { CreditRates } from '../money/moesif-amount.js';
import { creditsOf } from '../moesif/moesif-ledger.js';
import type { Store } from '../store/store.js';
import type { StripeGateway } from '../stripe/stripe-gateway.js';
import type { SubscriptionOwnership } from '../subscriptions/subscription-ownership.js';
import type { TtlCache } from './ttl-cache.js';

/** Processing payments older than this are not shown as arriving (bank debits settle within days). */
const PROCESSING_WINDOW_MS = 14 * 24 * 3600 * 1000;

/** A balance as read from Moesif, and when the read started. */
export interface BalanceReading {
  balance: SubscriptionBalance | null;
  readAt: number;
}

export interface BalanceDeps {
  store: Store;
  stripe: Pick<StripeGateway, 'listActiveSubscriptionIds'>;
  /** A named subscription must be the customer's. */
  ownership: Pick<SubscriptionOwnership, 'assertOwned'>;
  moesif: { getSubscriptionBalance(subscriptionId: string): Promise<SubscriptionBalance | null> };
  cache: TtlCache<BalanceReading>;
  creditRates: CreditRates;
  now: () => number;
}

export interface InFlightTopUp {
  payment_intent_id: string;
  amount: number;
  currency: string;
  /** What it will add to the balance, in Moesif units. */
  credits: number;
  /**
   * processing: Stripe has not settled the payment; pending_delivery: paid, credit on its way to
   * Moesif; delivered: Moesif accepted it after the balance shown was read (it will be in the next one).
   */
  state: 'processing' | 'pending_delivery' | 'delivered';
}

export interface BalanceView {
  customer_id: string;
  subscription_id: string;
  current_balance: number;
  pending_activity: number;
  available_balance: number;
  last_modified: string | null;
  in_flight: InFlightTopUp[];
  /** Sum of in_flight credits, so a page can say "10.00 arriving". */
  in_flight_credits: number;
}

async function subscriptionFor(deps: BalanceDeps, caller: Caller, customerId: string, requested: string | undefined): Promise<string> {
  if (requested) {
    await deps.ownership.assertOwned(caller, customerId, requested);
    return requested;
  }
  const active = await deps.stripe.listActiveSubscriptionIds(customerId);
  if (active.length === 1) return active[0]!;
  throw new ApiError(
    'subscription_unresolved',
    active.length === 0
      ? 'The customer has no active subscription.'
      : `The customer has ${active.length} active subscriptions; pass subscription_id.`,
  );
}

/**
 * Moesif's balance of the customer's subscription plus this service's top-ups not yet in it.
 * Moesif unreachable is a 503, never a made-up number.
 */
export async function getBalance(
  deps: BalanceDeps,
  caller: Caller,
  customerId: string,
  requestedSubscription: string | undefined,
): Promise<BalanceView> {
  if (!mayActFor(caller, customerId)) throw new ApiError('forbidden', 'You may only read your own balance.');
  const subscriptionId = await subscriptionFor(deps, caller, customerId, requestedSubscription);
  let reading: BalanceReading;
  try {
    reading = await deps.cache.get(subscriptionId, async () => {
      const readAt = deps.now();
      return { balance: await deps.moesif.getSubscriptionBalance(subscriptionId), readAt };
    });
  } catch (err) {
    if (err instanceof MoesifDeliveryError) throw new ApiError('moesif_unavailable', 'Moesif could not be reached for the balance; retry shortly.');
    throw err;
  }
  const balance = reading.balance;
  if (!balance) throw new ApiError('not_found', 'Moesif has no balance for this subscription yet.');

  // Credits delivered since the (possibly cached) balance was read are counted as in flight, so a
  // top-up is never missing from both figures; one delivered during the read may show in both.
  const { undelivered, recentlyDelivered, processing } = await deps.store.topUps.listInFlight(
    customerId,
    deps.now() - PROCESSING_WINDOW_MS,
    reading.readAt,
  );
  const credits = (t: { amountMinor: number; currency: string; credits: string | null }) => creditsOf(t, deps.creditRates);
  const inFlight: InFlightTopUp[] = [
    ...processing
      .filter((t) => (t.subscriptionId ?? subscriptionId) === subscriptionId)
      .map((t) => ({
        payment_intent_id: t.paymentIntentId,
        amount: t.amountMinor,
        currency: t.currency,
        credits: credits(t),
        state: 'processing' as const,
      })),
    ...[
      ...undelivered.map((e) => ({ e, state: 'pending_delivery' as const })),
      ...recentlyDelivered.map((e) => ({ e, state: 'delivered' as const })),
    ]
      .filter(({ e }) => (e.subscriptionId ?? subscriptionId) === subscriptionId)
      .map(({ e, state }) => ({
        payment_intent_id: e.paymentIntentId,
        amount: e.amountMinor,
        currency: e.currency,
        credits: credits(e),
        state,
      })),
  ];
  // Summed in micro-credits (rates have at most 6 decimals over at most 3 currency decimals: exact).
  const micro = inFlight.reduce((sum, t) => sum + Math.round(t.credits * 1e9), 0);
  return {
    customer_id: customerId,
    subscription_id: subscriptionId,
    current_balance: balance.currentBalance,
    pending_activity: balance.pendingActivity,
    available_balance: balance.availableBalance,
    last_modified: balance.lastModified,
    in_flight: inFlight,
    in_flight_credits: micro / 1e9,
  };
}
