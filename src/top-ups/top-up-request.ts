import { z } from 'zod';
import type { Config } from '../config/config.js';
import { chargeAmountProblem } from '../money/currencies.js';
import { stripeId } from '../stripe/stripe-ids.js';

export interface TopUpRequest {
  customerId: string;
  amountMinor: number;
  currency: string;
  paymentMethodId: string | null;
  subscriptionId: string | null;
  flow: 'off_session' | 'on_session';
}

/**
 * The /top-up body. `customer_id` may be omitted by a JWT caller (it comes from the token).
 * Amount rules are Stripe's (minimums, three-decimal steps, whole ISK/UGX) plus the configured bounds.
 */
export function topUpBodySchema(settings: Config['topUp']) {
  return z
    .strictObject({
      customer_id: stripeId('customer').optional(),
      amount: z
        .number({ message: 'expected an integer amount in minor units (e.g. 1000 for 10.00 usd)' })
        .int('expected an integer amount in minor units (e.g. 1000 for 10.00 usd)')
        .positive('must be positive'),
      currency: z.enum(settings.currencies as [string, ...string[]], {
        message: `expected one of: ${settings.currencies.join(', ')}`,
      }),
      payment_method: stripeId('paymentMethod').optional(),
      subscription_id: stripeId('subscription').optional(),
      flow: z.enum(['off_session', 'on_session'], { message: 'expected off_session or on_session' }).default('off_session'),
    }, { message: 'unknown field' })
    .superRefine((body, ctx) => {
      const limits = settings.limits[body.currency];
      if (!limits) return;
      const problem = chargeAmountProblem(body.amount, body.currency);
      if (problem) {
        ctx.addIssue({ code: 'custom', path: ['amount'], message: problem });
      } else if (body.amount < limits.min || body.amount > limits.max) {
        ctx.addIssue({
          code: 'custom',
          path: ['amount'],
          message: `must be between ${limits.min} and ${limits.max} ${body.currency} minor units`,
        });
      }
    });
}

export type TopUpBody = z.output<ReturnType<typeof topUpBodySchema>>;
