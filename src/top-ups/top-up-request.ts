import { z } from 'zod';
import type { Config } from '../config/config.js';
import { chargeAmountProblem } from '../money/currencies.js';

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
      customer_id: z.string().regex(/^cus_[A-Za-z0-9]+$/, 'expected a Stripe customer id (cus_…)').optional(),
      amount: z
        .number({ message: 'expected an integer amount in minor units (e.g. 1000 for 10.00 usd)' })
        .int('expected an integer amount in minor units (e.g. 1000 for 10.00 usd)')
        .positive('must be positive'),
      currency: z.enum(settings.currencies as [string, ...string[]], {
        message: `expected one of: ${settings.currencies.join(', ')}`,
      }),
      payment_method: z.string().regex(/^(pm|card|src)_[A-Za-z0-9_]+$/, 'expected a Stripe payment method id (pm_…)').optional(),
      subscription_id: z.string().min(1).max(255).optional(),
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
