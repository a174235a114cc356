import type { Caller } from '../auth/caller.js';
import { mayActFor } from '../auth/caller.js';
import { ApiError } from '../http/api-error.js';
import type { CreditRates } from '../money/moesif-amount.js';
import { creditsOf } from '../moesif/moesif-ledger.js';
import type { OutboxEntry } from '../ledger/ledger-entry.js';
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

/** Where a payment's credit stands: its outbox entry's state, or whether the money is still to come. */
export function creditState(entry: OutboxEntry | null, paid: boolean, caller: Caller, creditRates: CreditRates): TopUpStatus['credit'] {
  if (!entry) return { state: paid ? 'pending' : 'awaiting_payment' };
  const amount = creditsOf(entry, creditRates);
  const reason = (state: 'pending' | 'failed' | 'dead') => (caller.kind === 'jwt' ? publicReason(state) : (entry.lastError ?? 'unknown'));
  switch (entry.state) {
    case 'pending':
      return { state: 'pending', amount, attempts: entry.attempts, ...(entry.lastError ? { reason: reason('pending') } : {}) };
    case 'delivered':
      return { state: 'delivered', amount, delivered_at: new Date(entry.deliveredAt ?? 0).toISOString() };
    case 'failed':
    case 'dead':
      return { state: 'failed', amount, attempts: entry.attempts, reason: reason(entry.state) };
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
  const credit = creditState(await deps.store.outbox.get(intent.id), intent.status === 'succeeded', caller, deps.creditRates);
  return {
    payment_intent_id: intent.id,
    customer_id: intent.customerId,
    status: intent.status,
    amount: intent.amountMinor,
    currency: intent.currency,
    credit,
  };
}
