import { CREDIT_ORIGINS } from '../../ledger/ledger-entry.js';
import { z } from 'zod';
import type { RedriveResult } from '../../admin/admin-actions.js';
import type { OutboxEntry } from '../../ledger/ledger-entry.js';
import type { ReconcileResult } from '../../reconcile/reconcile-events.js';
import type { StoredOutgoingEvent } from '../../store/store.js';
import type { SameType } from '../openapi/same-type.js';

/** The response schemas of the admin API, tied to their domain types. */
export const deliverySchema = z
  .strictObject({
    transactionId: z.string().meta({ description: 'The Moesif transaction_id: the Stripe object id, with :reversed/:reinstated for compensations.' }),
    kind: z.enum(['credit', 'debit']),
    customerId: z.string(),
    companyId: z.string(),
    subscriptionId: z.string().nullable(),
    amountMinor: z.number().int(),
    currency: z.string(),
    credits: z.string().nullable().meta({ description: 'Exact credits fixed by what was bought (a credit pack); null: amountMinor at CREDIT_RATES.' }),
    paymentIntentId: z.string(),
    description: z.string(),
    ledgerType: z.enum(['promotion', 'adjustment']).nullable().optional().meta({ description: 'Granted credits (promotion) or a correction (adjustment); null for money.' }),
    activeAt: z.number().int().nullable().optional().meta({ description: 'Unix milliseconds from which Moesif counts the credits; null = at once.' }),
    expireAt: z.number().int().nullable().optional().meta({ description: 'Unix milliseconds at which Moesif drops what is left; null = never.' }),
    origin: z.enum(CREDIT_ORIGINS).nullable().optional().meta({ description: 'How a purchase was sold when not by POST /top-up (checkout, auto-recharge); null otherwise.' }),
    state: z.enum(['pending', 'delivered', 'failed', 'dead']),
    attempts: z.number().int(),
    nextAttemptAt: z.number().int().meta({ description: 'Unix milliseconds.' }),
    lastError: z.string().nullable(),
    lastStatus: z.number().int().nullable(),
    source: z.string(),
    createdAt: z.number().int().meta({ description: 'Unix milliseconds.' }),
    deliveredAt: z.number().int().nullable().meta({ description: 'Unix milliseconds.' }),
  })
  .meta({ id: 'Delivery' });
true satisfies SameType<z.output<typeof deliverySchema>, OutboxEntry>;

export const redriveResultSchema = z
  .strictObject({
    found: z.enum(['store', 'stripe', 'nowhere']),
    queued: z.array(z.string()),
    requeued: z.array(z.string()),
    unchanged: z.array(z.string()),
    reason: z.string().optional(),
  })
  .meta({ id: 'RedriveResult' });
true satisfies SameType<z.output<typeof redriveResultSchema>, RedriveResult>;

export const reconcileResultSchema = z
  .strictObject({
    since: z.number().int().meta({ description: 'Unix seconds the sweep started from.' }),
    found: z.number().int(),
    queued: z.number().int(),
    duplicate: z.number().int(),
    ignored: z.number().int(),
  })
  .meta({ id: 'ReconcileResult' });
true satisfies SameType<z.output<typeof reconcileResultSchema>, ReconcileResult>;

export const outgoingEventRowSchema = z
  .strictObject({
    eventId: z.string().meta({ description: 'The Standard Webhooks webhook-id; the same on every redelivery.' }),
    destination: z.string(),
    type: z.string(),
    customerId: z.string(),
    payload: z.string().meta({ description: 'The JSON body, exactly as signed and sent.' }),
    seq: z.number().int(),
    state: z.enum(['pending', 'delivered', 'dead']),
    attempts: z.number().int(),
    nextAttemptAt: z.number().int().meta({ description: 'Unix milliseconds.' }),
    lastError: z.string().nullable(),
    lastStatus: z.number().int().nullable(),
    createdAt: z.number().int().meta({ description: 'Unix milliseconds.' }),
    deliveredAt: z.number().int().nullable().meta({ description: 'Unix milliseconds.' }),
  })
  .meta({ id: 'OutgoingEventDelivery' });
true satisfies SameType<z.output<typeof outgoingEventRowSchema>, StoredOutgoingEvent>;
