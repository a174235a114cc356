import type { Movement } from '../ledger/movement.js';
import type { DisputeObject } from './event-objects.js';

export type DisputeDebitOn = 'created' | 'funds_withdrawn';

/**
 * The ledger movements a dispute implies, from the dispute's state as this event shows it:
 * a debit once funds are withdrawn (or as soon as it exists, with DISPUTE_DEBIT_ON=created), and a
 * credit back once they are reinstated, the dispute is won, or an inquiry closes without a dispute. Deterministic ids make repeated and
 * out-of-order events converge on the same ledger; a win without a prior debit moves nothing.
 */
export function disputeMovements(
  dispute: DisputeObject,
  eventType: string,
  debitOn: DisputeDebitOn,
  paymentIntentId: string,
): Movement[] {
  if (dispute.amount <= 0) return [];
  const transactions = dispute.balance_transactions;
  // An inquiry closed without becoming a dispute (warning_closed) ends like a won dispute.
  const reinstated =
    eventType === 'charge.dispute.funds_reinstated' ||
    dispute.status === 'won' ||
    dispute.status === 'warning_closed' ||
    transactions.some((bt) => bt.amount > 0);
  const withdrawn =
    debitOn === 'created' ||
    eventType === 'charge.dispute.funds_withdrawn' ||
    eventType === 'charge.dispute.funds_reinstated' ||
    transactions.some((bt) => bt.amount < 0);
  if (!withdrawn) return [];
  const currency = dispute.currency;
  const debit: Movement = {
    transactionId: dispute.id,
    kind: 'debit',
    amountMinor: dispute.amount,
    currency,
    description: `Stripe dispute ${dispute.id} of ${paymentIntentId}`,
  };
  if (!reinstated) return [debit];
  return [
    debit,
    {
      transactionId: `${dispute.id}:reinstated`,
      kind: 'credit',
      amountMinor: dispute.amount,
      currency,
      description: `Stripe dispute ${dispute.id} won: credits restored`,
    },
  ];
}
