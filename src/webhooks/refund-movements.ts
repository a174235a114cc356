import type { Movement } from '../ledger/movement.js';
import type { RefundObject } from './event-objects.js';

/** Refund statuses after which the money stays with the customer's card issuer: no debit stands. */
const UNDONE = new Set(['failed', 'canceled']);

/**
 * The ledger movements a refund implies, read from the refund's own state rather than the event
 * type, so any order and any repetition of refund.created / refund.updated / refund.failed ends
 * the same: a debit of the refund's own amount (never charge.refunded's cumulative total), and a
 * compensating credit once the refund failed or was canceled.
 */
export function refundMovements(refund: RefundObject, paymentIntentId: string): Movement[] {
  if (refund.amount <= 0) return [];
  const currency = refund.currency;
  const debit: Movement = {
    transactionId: refund.id,
    kind: 'debit',
    amountMinor: refund.amount,
    currency,
    description: `Stripe refund ${refund.id} of ${paymentIntentId}`,
  };
  if (!UNDONE.has(refund.status ?? '')) return [debit];
  return [
    debit,
    {
      transactionId: `${refund.id}:reversed`,
      kind: 'credit',
      amountMinor: refund.amount,
      currency,
      description: `Stripe refund ${refund.id} ${refund.status}: credits restored`,
    },
  ];
}
