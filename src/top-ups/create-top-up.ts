import type { Logger } from 'pino';
import type { Caller } from '../auth/caller.js';
import { ApiError } from '../http/api-error.js';
import { creditForPaymentIntent } from '../ledger/credit-for-payment-intent.js';
import type { CreditRates } from '../money/moesif-amount.js';
import type { Store } from '../store/store.js';
import type { SubscriptionOwnership } from '../subscriptions/subscription-ownership.js';
import { PaymentFailedError } from '../stripe/stripe-errors.js';
import type { StripeGateway, StripeCustomer } from '../stripe/stripe-gateway.js';
import type { TopUpIntent } from '../stripe/top-up-intent.js';
import { isUsableCompanyId } from '../stripe/top-up-metadata.js';
import { idempotencyScope, oneOffStripeKey } from './idempotency.js';
import type { TopUpRequest } from './top-up-request.js';
import { pricePurchase, type PricedPurchase } from '../packs/price-purchase.js';
import type { PackCatalog } from '../packs/pack-catalog.js';
import { toTopUpResult, type TopUpResult } from './top-up-result.js';

export interface TopUpDeps {
  store: Store;
  stripe: StripeGateway;
  /** A named subscription must be the customer's. */
  ownership: SubscriptionOwnership;
  /** When set, the Moesif company id is this metadata field of the Stripe customer. */
  companyIdMetadataKey: string | undefined;
  creditUntagged: boolean;
  creditRates: CreditRates;
  /** The credit packs on sale (Stripe Prices with moesif_credits). */
  packs: PackCatalog;
  now: () => number;
  onQueued: () => void;
  logger: Logger;
}

/** Stripe keeps idempotency keys for at least 24 hours; stay well inside that. */
const STRIPE_KEY_MEMORY_MS = 23 * 3600 * 1000;

export function companyIdOf(customer: StripeCustomer, metadataKey: string | undefined): string {
  if (!metadataKey) return customer.id;
  const companyId = customer.metadata[metadataKey];
  if (!isUsableCompanyId(companyId)) {
    throw new ApiError(
      'company_not_mapped',
      `The customer has no usable Moesif company id (1-255 characters, no control characters) in its metadata field "${metadataKey}".`,
    );
  }
  return companyId;
}

async function paymentMethodFor(deps: TopUpDeps, request: TopUpRequest, customer: StripeCustomer): Promise<string | null> {
  if (request.paymentMethodId || request.flow === 'on_session') return request.paymentMethodId;
  const choice = await deps.stripe.choosePaymentMethod(customer);
  switch (choice.kind) {
    case 'found':
      return choice.paymentMethodId;
    case 'none':
      throw new ApiError('no_payment_method', 'The customer has no saved card to charge; use flow "on_session" to collect one.');
    case 'ambiguous':
      throw new ApiError(
        'no_payment_method',
        'The customer has several saved cards and no default; pass payment_method to choose one.',
      );
  }
}

/**
 * Creates a Stripe PaymentIntent for a top-up. When Stripe answers `succeeded` (a saved card
 * charged off-session) the credit is queued at once; the webhook for the same PaymentIntent later
 * finds it already queued (same transaction id), so exactly one credit results.
 * `stripeKey` is for callers inside the service (auto-recharge) whose own deterministic id is the
 * Stripe idempotency key; requests from outside derive theirs from the client's Idempotency-Key.
 */
export async function createTopUp(
  deps: TopUpDeps,
  caller: Caller,
  request: TopUpRequest,
  clientIdempotencyKey: string | undefined,
  stripeKey?: string,
): Promise<TopUpResult> {
  const idem = idempotencyScope(caller, request, clientIdempotencyKey);
  if (idem) {
    const claim = await deps.store.idempotency.claim(idem.scope, idem.fingerprint, deps.now());
    if (claim.kind === 'conflict') {
      throw new ApiError('idempotency_key_reused', 'This Idempotency-Key was already used with a different request body.');
    }
    // Within a day Stripe replays the first answer for the same idempotency key (below). After
    // that Stripe has forgotten the key and would charge again: answer from the PaymentIntent.
    if (claim.kind === 'same' && claim.paymentIntentId && deps.now() - claim.firstSeenAt > STRIPE_KEY_MEMORY_MS) {
      const intent = await deps.stripe.retrievePaymentIntent(claim.paymentIntentId);
      if (intent) return toTopUpResult(intent, request.customerId);
    }
  }

  const customer = await deps.stripe.getCustomer(request.customerId);
  if (!customer || customer.deleted) throw new ApiError('customer_not_found', 'No such Stripe customer.');
  if (request.subscriptionId) await deps.ownership.assertOwned(caller, customer.id, request.subscriptionId);
  const priced = await pricePurchase(deps.packs, request.purchase);
  const tag = {
    companyId: companyIdOf(customer, deps.companyIdMetadataKey),
    subscriptionId: request.subscriptionId,
    credits: priced.credits,
    ...(request.origin ? { origin: request.origin } : {}),
  };
  const paymentMethodId = await paymentMethodFor(deps, request, customer);

  let intent: TopUpIntent;
  try {
    intent = await deps.stripe.createTopUpIntent({
      customerId: customer.id,
      amountMinor: priced.amountMinor,
      currency: priced.currency,
      flow: request.flow,
      paymentMethodId,
      tag,
      idempotencyKey: idem?.stripeKey ?? stripeKey ?? oneOffStripeKey(),
    });
  } catch (err) {
    if (err instanceof PaymentFailedError && err.paymentIntentId) {
      await remember(deps, caller, request, priced, err.paymentIntentId, 'requires_payment_method', tag.companyId, idem?.scope);
    }
    throw err;
  }
  // The top-up's record and its credit are written together: on SQLite one group commit, so one
  // fsync before the answer instead of one per write.
  const decision = creditForPaymentIntent(intent, deps.creditUntagged);
  const [, queued] = await Promise.all([
    remember(deps, caller, request, priced, intent.id, intent.status, tag.companyId, idem?.scope),
    decision.kind === 'credit' ? deps.store.outbox.enqueue(decision.entry, 'top-up', deps.now()) : false,
  ]);
  if (queued) deps.onQueued();
  deps.logger.info(
    { paymentIntentId: intent.id, status: intent.status, amountMinor: intent.amountMinor, currency: intent.currency, flow: request.flow },
    'top-up payment intent created',
  );
  return toTopUpResult(intent, customer.id);
}

async function remember(
  deps: TopUpDeps,
  caller: Caller,
  request: TopUpRequest,
  priced: PricedPurchase,
  paymentIntentId: string,
  status: string,
  companyId: string,
  scope: string | undefined,
): Promise<void> {
  const saved = deps.store.topUps.save({
    paymentIntentId,
    customerId: request.customerId,
    companyId,
    subscriptionId: request.subscriptionId,
    amountMinor: priced.amountMinor,
    currency: priced.currency,
    credits: priced.credits,
    flow: request.flow,
    status,
    caller: `${caller.kind}:${caller.id}`,
    createdAt: deps.now(),
  });
  await Promise.all([saved, scope ? deps.store.idempotency.complete(scope, paymentIntentId) : undefined]);
}
