import type { Movement } from '../ledger/movement.js';
import type { CreditNoteObject } from './event-objects.js';

/**
 * The ledger movements a credit note of a paid invoice implies, read from its own state so that
 * credit_note.created and credit_note.voided in any order and repetition end the same: a debit of
 * what it credits after payment and did not refund (the part it refunds is a Refund of the
 * invoice's payment, debited by that refund's own events: counting it here too would take it
 * back twice), and once it is void, a compensating credit of the same. What it takes off an
 * amount still due (pre_payment_amount) was never paid, so never credited: nothing moves.
 */
export function creditNoteMovements(note: CreditNoteObject): Movement[] {
  const refunded = note.refunds.reduce((sum, r) => sum + r.amount_refunded, 0);
  const amount = note.post_payment_amount - refunded;
  if (amount <= 0) return [];
  const debit: Movement = {
    transactionId: note.id,
    kind: 'debit',
    amountMinor: amount,
    currency: note.currency,
    description: `Stripe credit note ${note.id}`,
  };
  if (note.status !== 'void') return [debit];
  return [debit, { transactionId: `${note.id}:voided`, kind: 'credit', amountMinor: amount, currency: note.currency, description: `Stripe credit note ${note.id} voided: credits restored` }];
}
