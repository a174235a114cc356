import { z } from 'zod';
import type { Config } from '../config/config.js';
import { stripeId } from '../stripe/stripe-ids.js';
import { checkPurchase, purchaseFields, type Purchase } from '../top-ups/top-up-request.js';
import { returnUrlProblem } from './return-url.js';

export interface CheckoutRequest {
  customerId: string;
  purchase: Purchase;
  subscriptionId: string | null;
  successUrl: string;
  cancelUrl: string;
  saveCard: boolean;
}

/** The POST /top-up/checkout body: what is bought (amount+currency or pack), where to return, whether to save the card. */
export function checkoutBodySchema(settings: Config['topUp'], returnOrigins: readonly string[]) {
  const returnUrl = z.string({ message: 'expected an https URL' }).superRefine((value, ctx) => {
    const problem = returnUrlProblem(value, returnOrigins);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });
  return z
    .strictObject(
      {
        customer_id: stripeId('customer').optional(),
        ...purchaseFields(settings),
        subscription_id: stripeId('subscription').optional(),
        success_url: returnUrl,
        cancel_url: returnUrl,
        save_card: z.boolean({ message: 'expected true or false' }).default(false),
      },
      { message: 'unknown field' },
    )
    .superRefine(checkPurchase(settings));
}

export type CheckoutBody = z.output<ReturnType<typeof checkoutBodySchema>>;
