import { z } from 'zod';
import type { Config } from '../config/config.js';
import { chargeAmountProblem } from '../money/currencies.js';
import { stripeId } from '../stripe/stripe-ids.js';

/** Credits with at most 6 decimals (compared exactly as micro-credits), below a billion. */
const credits = (what: string) =>
  z
    .number({ message: `expected ${what} in credits (a number)` })
    .min(0, 'must be at least 0')
    .max(1_000_000_000, 'must be at most 1000000000')
    .refine((n) => Math.abs(Math.round(n * 1e6) - n * 1e6) < 1e-6, 'at most 6 decimals');

const minor = (what: string) =>
  z.number({ message: `expected ${what} in minor units (an integer)` }).int(`expected ${what} in minor units (an integer)`).positive('must be positive');

/**
 * The PUT /auto-recharge body. Enabling needs the customer's consent to the terms (the version
 * shown to them); the cap must allow at least one recharge; a target must be above the threshold.
 * With a `pack` (a credit pack price) a recharge buys whole packs: no `amount` then; the pack itself
 * (on sale, one-time, a pack, in `currency`) and a cap of at least one pack are checked with Stripe
 * when the setting is saved (manage-setting.ts).
 */
export function settingBodySchema(settings: Config['topUp']) {
  return z
    .strictObject(
      {
        customer_id: stripeId('customer').optional(),
        subscription_id: stripeId('subscription').optional(),
        enabled: z.boolean({ message: 'expected true or false' }),
        threshold: credits('the threshold'),
        mode: z.enum(['fixed', 'target'], { message: 'expected fixed or target' }),
        amount: minor('the amount').optional(),
        target_balance: credits('the target balance').optional(),
        currency: z.enum(settings.currencies as [string, ...string[]], { message: `expected one of: ${settings.currencies.join(', ')}` }),
        payment_method: stripeId('paymentMethod').optional(),
        pack: stripeId('price').optional(),
        monthly_cap: minor('the monthly cap'),
        max_per_day: z.number({ message: 'expected an integer' }).int('expected an integer').min(1, 'must be at least 1').max(24, 'must be at most 24').default(3),
        consent: z
          .strictObject(
            {
              accepted: z.literal(true, { message: 'must be true: the customer accepted the terms' }),
              terms_version: z.string({ message: 'expected the version of the terms the customer accepted' }).min(1, 'must not be empty').max(100, 'at most 100 characters'),
            },
            { message: 'unknown field' },
          )
          .optional(),
      },
      { message: 'unknown field' },
    )
    .superRefine((body, ctx) => {
      const problem = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
      if (body.enabled && !body.consent) problem('consent', 'required to enable: { accepted: true, terms_version } as the customer accepted them');
      const limits = settings.limits[body.currency];
      if (!limits) return;
      const withinTopUpLimits = (field: string, amount: number) => {
        const refusal = chargeAmountProblem(amount, body.currency);
        if (refusal) problem(field, refusal);
        else if (amount < limits.min || amount > limits.max) problem(field, `must be between ${limits.min} and ${limits.max} ${body.currency} minor units`);
      };
      if (body.mode === 'fixed') {
        if (body.pack !== undefined) {
          if (body.amount !== undefined) problem('amount', 'not with a pack: a recharge buys whole packs');
        } else if (body.amount === undefined) problem('amount', 'required in fixed mode');
        else withinTopUpLimits('amount', body.amount);
        if (body.target_balance !== undefined) problem('target_balance', 'only in target mode');
      } else {
        if (body.target_balance === undefined) problem('target_balance', 'required in target mode');
        else if (body.target_balance <= body.threshold) problem('target_balance', 'must be above the threshold');
        if (body.amount !== undefined) problem('amount', 'only in fixed mode');
      }
      const oneRecharge = body.mode === 'fixed' ? (body.amount ?? 0) : limits.min;
      if (body.pack === undefined && body.monthly_cap < oneRecharge) problem('monthly_cap', `must allow at least one recharge (${oneRecharge} ${body.currency} minor units)`);
    });
}

export type SettingBody = z.output<ReturnType<typeof settingBodySchema>>;
