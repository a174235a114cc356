/**
 * Money moving back or forth for one PaymentIntent (a refund, its reversal, a dispute), before we
 * know whom it concerns; becomes a LedgerEntry once the PaymentIntent's context is resolved.
 */
export interface Movement {
  /** Deterministic: the Stripe object id, or the id plus a fixed suffix for its compensation. */
  transactionId: string;
  kind: 'credit' | 'debit';
  amountMinor: number;
  currency: string;
  description: string;
}
