import type { Caller } from '../auth/caller.js';
import { ApiError } from '../http/api-error.js';
import { pricePurchase } from '../packs/price-purchase.js';
import type { CheckoutSessionInfo } from '../stripe/checkout-session-info.js';
import { companyIdOf, type TopUpDeps } from '../top-ups/create-top-up.js';
import { oneOffStripeKey, scoped } from '../top-ups/idempotency.js';
import type { CheckoutRequest } from './checkout-request.js';

/** What POST /top-up/checkout answers (201). */
export interface CheckoutResult {
  checkout_session_id: string;
  url: string | null;
  /** ISO date-time after which Stripe expires the session. */
  expires_at: string;
}

const STRIPE_KEY_MEMORY_MS = 23 * 3600 * 1000;

const toResult = (session: CheckoutSessionInfo): CheckoutResult => ({
  checkout_session_id: session.id,
  url: session.url,
  expires_at: new Date(session.expiresAt * 1000).toISOString(),
});

/**
 * Starts a hosted Stripe Checkout for a top-up. Nothing is credited here: the credit comes from
 * checkout.session.completed (or async_payment_succeeded) or payment_intent.succeeded of its
 * PaymentIntent, which carry the same metadata and so build the same credit (its id is the
 * PaymentIntent's). Idempotent like /top-up: same key, same session.
 */
export async function createCheckout(deps: TopUpDeps, caller: Caller, request: CheckoutRequest, clientKey: string | undefined): Promise<CheckoutResult> {
  const idem = scoped(
    ['checkout', caller.kind, caller.id, request.customerId],
    [request.purchase, request.subscriptionId, request.successUrl, request.cancelUrl, request.saveCard],
    clientKey,
  );
  if (idem) {
    const claim = await deps.store.idempotency.claim(idem.scope, idem.fingerprint, deps.now());
    if (claim.kind === 'conflict') {
      throw new ApiError('idempotency_key_reused', 'This Idempotency-Key was already used with a different request body.');
    }
    // Stripe replays the first answer for a day; after that it would make a second session.
    if (claim.kind === 'same' && claim.paymentIntentId && deps.now() - claim.firstSeenAt > STRIPE_KEY_MEMORY_MS) {
      const session = await deps.stripe.retrieveCheckoutSession(claim.paymentIntentId);
      if (session) return toResult(session);
    }
  }
  const customer = await deps.stripe.getCustomer(request.customerId);
  if (!customer || customer.deleted) throw new ApiError('customer_not_found', 'No such Stripe customer.');
  if (request.subscriptionId) await deps.ownership.assertOwned(caller, customer.id, request.subscriptionId);
  const priced = await pricePurchase(deps.packs, request.purchase);
  const tag = { companyId: companyIdOf(customer, deps.companyIdMetadataKey), subscriptionId: request.subscriptionId, credits: priced.credits, origin: 'checkout' as const };
  const session = await deps.stripe.createCheckoutSession({
    customerId: customer.id,
    item: priced.priceId ? { priceId: priced.priceId } : { amountMinor: priced.amountMinor, currency: priced.currency },
    tag,
    successUrl: request.successUrl,
    cancelUrl: request.cancelUrl,
    saveCard: request.saveCard,
    idempotencyKey: idem?.stripeKey ?? oneOffStripeKey(),
  });
  await deps.store.topUps.save({
    paymentIntentId: session.id,
    customerId: customer.id,
    companyId: tag.companyId,
    subscriptionId: request.subscriptionId,
    amountMinor: priced.amountMinor,
    currency: priced.currency,
    credits: priced.credits,
    flow: 'checkout',
    status: 'open',
    caller: `${caller.kind}:${caller.id}`,
    createdAt: deps.now(),
  });
  if (idem) await deps.store.idempotency.complete(idem.scope, session.id);
  deps.logger.info({ checkoutSessionId: session.id, amountMinor: priced.amountMinor, currency: priced.currency }, 'checkout session created');
  return toResult(session);
}
