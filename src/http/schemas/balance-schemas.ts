import { z } from 'zod';
import type { BalanceView } from '../../balances/get-balance.js';
import type { SameType } from '../openapi/same-type.js';

/** The response of GET /balance, tied to its domain type. */
export const balanceSchema = z
  .strictObject({
    customer_id: z.string(),
    subscription_id: z.string(),
    current_balance: z.number(),
    pending_activity: z.number(),
    available_balance: z.number(),
    last_modified: z.string().nullable(),
    in_flight: z.array(
      z.strictObject({
        payment_intent_id: z.string(),
        amount: z.number().int().meta({ description: 'In the currency\'s minor units.' }),
        currency: z.string(),
        credits: z.number().meta({ description: 'What it will add to the balance, in Moesif units.' }),
        state: z.enum(['processing', 'pending_delivery', 'delivered']),
      }),
    ),
    in_flight_credits: z.number(),
  })
  .meta({ id: 'Balance' });
true satisfies SameType<z.output<typeof balanceSchema>, BalanceView>;
