import { z } from 'zod';
import type { LedgerEntryView } from '../../history/ledger-view.js';
import type { OutgoingEventType } from '../../outgoing-events/event-types.js';
import type { SameType } from '../openapi/same-type.js';
import { ledgerEntryShape } from './history-schemas.js';

/** The `data` of each outgoing event (outgoing-events/outgoing-events.ts), tied to what it is built from. */
export const ledgerEventDataSchema = z.strictObject({ customer_id: z.string(), ...ledgerEntryShape }).meta({ id: 'LedgerEventData' });
true satisfies SameType<z.output<typeof ledgerEventDataSchema>, LedgerEntryView & { customer_id: string }>;

export const ledgerFailedEventDataSchema = z
  .strictObject({ customer_id: z.string(), ...ledgerEntryShape, reason: z.string().meta({ description: 'Why it was parked or refused.' }) })
  .meta({ id: 'LedgerFailedEventData' });
true satisfies SameType<z.output<typeof ledgerFailedEventDataSchema>, LedgerEntryView & { customer_id: string; reason: string }>;

export const paymentFailedEventDataSchema = z
  .strictObject({
    customer_id: z.string(),
    subscription_id: z.string().nullable(),
    payment_intent_id: z.string(),
    amount: z.number().int().meta({ description: 'In the currency\'s minor units.' }),
    currency: z.string(),
    credits: z.number(),
    stripe_event_id: z.string(),
  })
  .meta({ id: 'PaymentFailedEventData' });

export const autoRechargeAttemptEventDataSchema = z
  .strictObject({
    customer_id: z.string(),
    subscription_id: z.string(),
    attempt_id: z.string().meta({ description: 'auto-recharge-<subscription>-<sequence>; also the Stripe idempotency key of its charge.' }),
    outcome: z.enum(['succeeded', 'processing', 'requires_action', 'hard_decline', 'soft_decline', 'failed']),
    reason: z.string().nullable().meta({ description: 'Our reason code (authentication_required, a decline code, no_usable_card, pack_unavailable, …).' }),
    decline_code: z.string().nullable(),
    payment_intent_id: z.string().nullable(),
    amount: z.number().int().meta({ description: 'In the currency\'s minor units.' }),
    currency: z.string(),
    credits: z.number().meta({ description: 'The credits it buys (a pack\'s exact credits, else the amount at CREDIT_RATES).' }),
    pack: z.strictObject({ price_id: z.string(), quantity: z.number().int() }).nullable(),
    next_retry_at: z.string().nullable().meta({ description: 'After a soft decline: the earliest retry (1 h, 6 h, 24 h); null when none follows.' }),
  })
  .meta({ id: 'AutoRechargeAttemptEventData' });

export const autoRechargeSuspendedEventDataSchema = z
  .strictObject({
    customer_id: z.string(),
    subscription_id: z.string(),
    reason: z.string().meta({ description: 'hard_decline:<code>, soft_declines:4, no_usable_card, customer_deleted, card_retry_limit, pack_unavailable, …' }),
    since: z.string(),
    attempt_id: z.string().nullable().meta({ description: 'The attempt that caused it, if one did.' }),
  })
  .meta({ id: 'AutoRechargeSuspendedEventData' });

/** Every event type with its `data`: adding a type to OUTGOING_EVENT_TYPES fails tsc until it is documented here. */
export const OUTGOING_EVENT_DATA = {
  'credit.delivered': { summary: 'Moesif accepted a credit (a top-up, a compensation, a positive adjustment)', data: ledgerEventDataSchema },
  'debit.delivered': { summary: 'Moesif accepted a debit (a refund, a dispute, a negative adjustment)', data: ledgerEventDataSchema },
  'ledger_entry.failed': {
    summary: 'A ledger entry was parked (state failed: could not be built) or refused (state dead), with the reason',
    data: ledgerFailedEventDataSchema,
  },
  'top_up.payment_failed': { summary: 'A top-up\'s payment failed (declined, or 3-D Secure not completed)', data: paymentFailedEventDataSchema },
  'promotion.granted': { summary: 'Moesif accepted promotional credits granted by an operator', data: ledgerEventDataSchema },
  'auto_recharge.succeeded': {
    summary: 'An auto-recharge charged the card (outcome succeeded, or processing while Stripe settles it); its credit follows as credit.delivered',
    data: autoRechargeAttemptEventDataSchema,
  },
  'auto_recharge.requires_action': {
    summary: 'An auto-recharge needs the customer (3-D Secure): GET /auto-recharge has the client secret; auto-recharge waits until it is completed or the card changes',
    data: autoRechargeAttemptEventDataSchema,
  },
  'auto_recharge.failed': { summary: 'An auto-recharge was declined (hard or soft) or refused before charging, with the reason', data: autoRechargeAttemptEventDataSchema },
  'auto_recharge.suspended': { summary: 'Auto-recharge of a subscription stopped until a new card or an operator lifts it, with the reason', data: autoRechargeSuspendedEventDataSchema },
} satisfies Record<OutgoingEventType, { summary: string; data: z.ZodType }>;

/** The envelope of an event of `type` (Standard Webhooks' `{ type, timestamp, data }`, with our id). */
export function outgoingEventSchema(type: OutgoingEventType, data: z.ZodType) {
  return z.strictObject({
    type: z.literal(type),
    id: z.string().meta({ description: 'Also the webhook-id header: deduplicate by it.' }),
    created_at: z.string(),
    data,
  });
}
