import { z } from 'zod';
import type { TopUpResult } from '../../top-ups/top-up-result.js';
import type { TopUpStatus } from '../../top-ups/top-up-status.js';
import type { SameType } from '../openapi/same-type.js';

/** The response schemas of /top-up and /top-ups/:id, tied to their domain types. */
export const topUpResultSchema = z
  .strictObject({
    payment_intent_id: z.string(),
    status: z.string().meta({ description: 'The Stripe PaymentIntent status (succeeded, processing, requires_action…).' }),
    amount: z.number().int().meta({ description: 'In the currency\'s minor units.' }),
    currency: z.string(),
    customer_id: z.string(),
    client_secret: z.string().optional().meta({ description: 'Only when the browser has a step to take (requires_action, requires_payment_method, requires_confirmation).' }),
  })
  .meta({ id: 'TopUp' });
true satisfies SameType<z.output<typeof topUpResultSchema>, TopUpResult>;

export const topUpStatusSchema = z
  .strictObject({
    payment_intent_id: z.string(),
    customer_id: z.string(),
    status: z.string().meta({ description: 'The Stripe PaymentIntent status.' }),
    amount: z.number().int().meta({ description: 'In the currency\'s minor units.' }),
    currency: z.string(),
    credit: z.strictObject({
      state: z.enum(['awaiting_payment', 'pending', 'delivered', 'failed']),
      amount: z.number().optional().meta({ description: 'The Moesif amount (credits).' }),
      reason: z.string().optional(),
      attempts: z.number().int().optional(),
      delivered_at: z.string().optional(),
    }),
  })
  .meta({ id: 'TopUpStatus' });
true satisfies SameType<z.output<typeof topUpStatusSchema>, TopUpStatus>;
