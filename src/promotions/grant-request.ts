import { z } from 'zod';
import { parseMicroCredits } from '../money/credit-units.js';
import { stripeId } from '../stripe/stripe-ids.js';

/** Credits as a JSON number or a decimal string, at most 6 decimals: kept exact as micro-credits. */
const credits = (sign: 'positive' | 'signed') =>
  z.union([z.number(), z.string()], { message: 'expected a number of credits' }).transform((v, ctx) => {
    const micro = parseMicroCredits(String(v));
    const ok = micro !== null && (sign === 'positive' ? micro > 0 : micro !== 0);
    if (!ok) {
      ctx.addIssue({
        code: 'custom',
        message: sign === 'positive' ? 'expected positive credits with at most 6 decimals' : 'expected non-zero credits (negative takes away) with at most 6 decimals',
      });
      return z.NEVER;
    }
    return micro!;
  });

const instant = z.iso.datetime({ offset: true, message: 'expected an ISO 8601 date-time, e.g. 2027-01-01T00:00:00Z' }).transform((s) => Date.parse(s));
const reason = z.string().trim().min(1, 'expected a non-empty reason').max(500, 'expected at most 500 characters');

export const grantBody = z
  .strictObject({
    customer_id: stripeId('customer'),
    subscription_id: stripeId('subscription').optional(),
    amount: credits('positive'),
    active_at: instant.optional(),
    expire_at: instant.optional(),
    reason: reason.optional(),
  })
  .refine((b) => b.expire_at === undefined || b.active_at === undefined || b.expire_at > b.active_at, {
    path: ['expire_at'],
    message: 'must be after active_at',
  });

export const adjustBody = z.strictObject({
  customer_id: stripeId('customer'),
  subscription_id: stripeId('subscription').optional(),
  amount: credits('signed'),
  reason,
});
