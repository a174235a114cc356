import { takebackCredits } from '../packs/credit-amount.js';
import type { LedgerEntry } from './ledger-entry.js';
import type { Movement } from './movement.js';
import type { PaymentContext } from './payment-context.js';

/**
 * A refund's or dispute's movement as a ledger entry of the payment it concerns. A payment that
 * bought a fixed number of credits (a pack) moves its proportional share of them (the rule in
 * packs/credit-amount.ts); any other moves its amount at CREDIT_RATES. Null when the share is
 * below one micro-credit: nothing to move.
 */
export function entryForMovement(movement: Movement, context: PaymentContext, paymentIntentId: string): LedgerEntry | null {
  const { purchase, ...whom } = context;
  if (!purchase) return { ...movement, ...whom, credits: null, paymentIntentId };
  const credits = takebackCredits(purchase.credits, purchase.paidMinor, movement.amountMinor);
  return credits === null ? null : { ...movement, ...whom, credits, paymentIntentId };
}
