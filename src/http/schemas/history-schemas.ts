import { z } from 'zod';
import type { LedgerEntryView } from '../../history/ledger-view.js';
import type { ListView, TopUpView } from '../../history/list-history.js';
import type { SameType } from '../openapi/same-type.js';

/** The responses of GET /ledger, GET /top-ups and the admin grants, tied to their domain types. */
export const ledgerEntryShape = {
  id: z.string().meta({ description: 'The Moesif transaction_id (deterministic): a Stripe object id, or promo_/adj_ for grants.' }),
  kind: z.enum(['credit', 'debit', 'promotion', 'adjustment']),
  amount: z.number().int().nullable().meta({ description: 'Signed, in the currency\'s minor units; null for granted credits (no money moved).' }),
  currency: z.string().nullable(),
  credits: z.number().meta({ description: 'What Moesif\'s balance moves by (negative takes away).' }),
  source: z.enum(['top-up', 'checkout', 'pack', 'invoice', 'refund', 'dispute', 'auto-recharge', 'grant']),
  stripe_object_id: z.string().nullable().meta({ description: 'The PaymentIntent, refund or dispute behind it; null for grants.' }),
  subscription_id: z.string().nullable(),
  description: z.string(),
  state: z.enum(['pending', 'delivered', 'failed', 'dead']),
  created_at: z.string(),
  delivered_at: z.string().nullable(),
  active_at: z.string().nullable(),
  expire_at: z.string().nullable(),
};
export const ledgerEntrySchema = z.strictObject(ledgerEntryShape).meta({ id: 'LedgerEntry' });
true satisfies SameType<z.output<typeof ledgerEntrySchema>, LedgerEntryView>;

export const topUpViewSchema = z
  .strictObject({
    payment_intent_id: z.string(),
    amount: z.number().int().meta({ description: 'In the currency\'s minor units.' }),
    currency: z.string(),
    credits: z.number(),
    status: z.string().meta({ description: 'The last PaymentIntent status this service saw.' }),
    flow: z.enum(['off_session', 'on_session', 'checkout']),
    subscription_id: z.string().nullable(),
    credit_state: z.string().nullable().meta({ description: 'Where its credit stands: null until the payment succeeded.' }),
    created_at: z.string(),
  })
  .meta({ id: 'TopUpHistoryItem' });
true satisfies SameType<z.output<typeof topUpViewSchema>, TopUpView>;

/** A Stripe-style list of `item`. */
function listOf<T extends z.ZodType>(item: T) {
  return z.strictObject({
    object: z.literal('list'),
    data: z.array(item),
    has_more: z.boolean(),
    next_starting_after: z.string().nullable().meta({ description: 'Pass as starting_after for the next page; null on the last one.' }),
  });
}

export const ledgerListSchema = listOf(ledgerEntrySchema).meta({ id: 'LedgerList' });
true satisfies SameType<z.output<typeof ledgerListSchema>, ListView<LedgerEntryView>>;

export const topUpListSchema = listOf(topUpViewSchema).meta({ id: 'TopUpHistoryList' });
true satisfies SameType<z.output<typeof topUpListSchema>, ListView<TopUpView>>;
