import { mayActFor, type Caller } from '../auth/caller.js';
import { ApiError } from '../http/api-error.js';
import type { CreditRates } from '../money/moesif-amount.js';
import type { Store } from '../store/store.js';
import type { StripeGateway } from '../stripe/stripe-gateway.js';
import { creditState, type TopUpStatus } from '../top-ups/top-up-status.js';

export interface CheckoutStatus {
  checkout_session_id: string;
  customer_id: string;
  /** Stripe's session status: open, complete, expired. */
  status: string | null;
  /** paid, unpaid (a delayed method such as SEPA debit still settling), no_payment_required. */
  payment_status: string;
  payment_intent_id: string | null;
  amount: number | null;
  currency: string | null;
  credit: TopUpStatus['credit'];
}

/** GET /top-ups/cs_…: a hosted checkout of ours, its payment and its credit. Others' sessions are 404. */
export async function getCheckoutStatus(
  deps: { store: Store; stripe: StripeGateway; creditRates: CreditRates },
  caller: Caller,
  sessionId: string,
): Promise<CheckoutStatus> {
  const session = await deps.stripe.retrieveCheckoutSession(sessionId);
  if (!session || !session.tag || !session.customerId || !mayActFor(caller, session.customerId)) {
    throw new ApiError('not_found', 'No such top-up.');
  }
  const entry = session.paymentIntentId ? await deps.store.outbox.get(session.paymentIntentId) : null;
  const record = await deps.store.topUps.get(session.id);
  let credit = creditState(entry, session.paymentStatus === 'paid', caller, deps.creditRates);
  // async_payment_failed: the delayed payment (a bank debit) did not go through; nothing is credited.
  if (!entry && record?.status === 'payment_failed') credit = { state: 'failed', reason: 'the payment failed' };
  return {
    checkout_session_id: session.id,
    customer_id: session.customerId,
    status: session.status,
    payment_status: session.paymentStatus,
    payment_intent_id: session.paymentIntentId,
    amount: session.amountTotalMinor,
    currency: session.currency,
    credit,
  };
}
