import { z } from 'zod';
import type { CheckoutStatus } from '../../checkout/checkout-status.js';
import type { CheckoutResult } from '../../checkout/create-checkout.js';
import type { SameType } from '../openapi/same-type.js';
import { topUpStatusSchema } from './top-up-schemas.js';

/** The response schemas of POST /top-up/checkout and GET /top-ups/cs_…, tied to their domain types. */
export const checkoutResultSchema = z
  .strictObject({
    checkout_session_id: z.string(),
    url: z.string().nullable().meta({ description: 'The hosted Stripe Checkout page to send the browser to.' }),
    expires_at: z.string().meta({ description: 'ISO date-time after which Stripe expires the session.' }),
  })
  .meta({ id: 'Checkout' });
true satisfies SameType<z.output<typeof checkoutResultSchema>, CheckoutResult>;

export const checkoutStatusSchema = z
  .strictObject({
    checkout_session_id: z.string(),
    customer_id: z.string(),
    status: z.string().nullable().meta({ description: 'The Stripe Checkout Session status (open, complete, expired).' }),
    payment_status: z.string().meta({ description: 'paid, unpaid (a delayed method such as SEPA debit still settling), no_payment_required.' }),
    payment_intent_id: z.string().nullable().meta({ description: 'Once the customer has paid (or started paying).' }),
    amount: z.number().int().nullable().meta({ description: 'In the currency\'s minor units.' }),
    currency: z.string().nullable(),
    credit: topUpStatusSchema.shape.credit,
  })
  .meta({ id: 'CheckoutStatus' });
true satisfies SameType<z.output<typeof checkoutStatusSchema>, CheckoutStatus>;
