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
