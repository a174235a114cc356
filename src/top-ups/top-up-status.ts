import type { Caller } from '../auth/caller.js';
import { mayActFor } from '../auth/caller.js';
import { ApiError } from '../http/api-error.js';
import type { CreditRates } from '../money/moesif-amount.js';
import { creditsOf } from '../moesif/moesif-ledger.js';
import type { Store } from '../store/store.js';
import type { StripeGateway } from '../stripe/stripe-gateway.js';

export interface TopUpStatus {
  payment_intent_id: string;
  customer_id: string;
  status: string;
  amount: number;
  currency: string;
  credit: {
    /** awaiting_payment: Stripe has not taken the money yet; pending: queued or retrying. */
    state: 'awaiting_payment' | 'pending' | 'delivered' | 'failed';
    /** The Moesif amount, in major units. */
    amount?: number;
    reason?: string;
    attempts?: number;
    delivered_at?: string;
  };
}

/**
 * What a browser (JWT) caller is told about a credit that is not delivered: a fixed sentence.
 * The stored reason can carry Moesif's raw response body, which is for the operator's servers
 * (API keys) and the admin API only.
 */
function publicReason(state: 'pending' | 'failed' | 'dead'): string {
  switch (state) {
    case 'pending':
      return 'delivery to Moesif is being retried';
    case 'failed':
      return 'the credit could not be prepared; the operator has to fix it and replay it';
    case 'dead':
      return 'Moesif did not accept the credit; the operator has to replay it';
  }
}

/** The Stripe status of one of our top-ups and where its credit stands. Others' top-ups are 404. */
export async function getTopUpStatus(
  deps: { store: Store; stripe: StripeGateway; creditRates: CreditRates },
  caller: Caller,
  paymentIntentId: string,
): Promise<TopUpStatus> {
  const intent = await deps.stripe.retrievePaymentIntent(paymentIntentId);
  if (!intent || !intent.tag || !intent.customerId || !mayActFor(caller, intent.customerId)) {
    throw new ApiError('not_found', 'No such top-up.');
  }
  const entry = await deps.store.outbox.get(intent.id);
  let credit: TopUpStatus['credit'];
  if (!entry) {
    credit = { state: intent.status === 'succeeded' ? 'pending' : 'awaiting_payment' };
  } else {
    const amount = creditsOf(entry, deps.creditRates);
    const reason = (state: 'pending' | 'failed' | 'dead') => (caller.kind === 'jwt' ? publicReason(state) : (entry.lastError ?? 'unknown'));
    switch (entry.state) {
      case 'pending':
        credit = { state: 'pending', amount, attempts: entry.attempts, ...(entry.lastError ? { reason: reason('pending') } : {}) };
        break;
      case 'delivered':
        credit = { state: 'delivered', amount, delivered_at: new Date(entry.deliveredAt ?? 0).toISOString() };
        break;
      case 'failed':
      case 'dead':
        credit = { state: 'failed', amount, attempts: entry.attempts, reason: reason(entry.state) };
        break;
    }
  }
  return {
    payment_intent_id: intent.id,
    customer_id: intent.customerId,
    status: intent.status,
    amount: intent.amountMinor,
    currency: intent.currency,
    credit,
  };
}
