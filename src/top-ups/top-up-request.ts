import type { CreditOrigin } from '../ledger/ledger-entry.js';
import { z } from 'zod';
import type { Config } from '../config/config.js';
import { chargeAmountProblem } from '../money/currencies.js';
import { stripeId } from '../stripe/stripe-ids.js';

/** What is bought: an amount at CREDIT_RATES, or one credit pack (a Stripe Price with moesif_credits). */
export type Purchase = { kind: 'amount'; amountMinor: number; currency: string } | { kind: 'pack'; priceId: string; /** Whole packs bought at once (auto-recharge); 1 when absent. */ quantity?: number };

export interface TopUpRequest {
  customerId: string;
  purchase: Purchase;
  paymentMethodId: string | null;
  subscriptionId: string | null;
  flow: 'off_session' | 'on_session';
  /** Set by callers inside the service (auto-recharge); written on the PaymentIntent for history. */
  origin?: CreditOrigin;
}

const AMOUNT_MESSAGE = 'expected an integer amount in minor units (e.g. 1000 for 10.00 usd)';

/**
 * The fields that name what is bought, shared by /top-up and /top-up/checkout: `amount` and
 * `currency`, or `pack`. Amount rules are Stripe's (minimums, three-decimal steps, whole
 * ISK/UGX) plus the configured bounds; a pack's price is the operator's, checked at Stripe.
 */
export function purchaseFields(settings: Config['topUp']) {
  return {
    amount: z
      .number({ message: AMOUNT_MESSAGE })
      .int(AMOUNT_MESSAGE)
      .positive('must be positive')
      .optional()
      .meta({ description: 'In the currency\'s minor units; required with currency unless pack is given.' }),
    currency: z
      .enum(settings.currencies as [string, ...string[]], { message: `expected one of: ${settings.currencies.join(', ')}` })
      .optional()
      .meta({ description: 'Required with amount unless pack is given.' }),
    pack: stripeId('price')
      .optional()
      .meta({ description: 'A credit pack (a price_id from GET /packs), instead of amount and currency: its Stripe price is charged and its credits added.' }),
  };
}

type PurchaseFields = { amount?: number | undefined; currency?: string | undefined; pack?: string | undefined };

/** The cross-field rules of purchaseFields(), as a zod superRefine. */
export function checkPurchase(settings: Config['topUp']) {
  return (body: PurchaseFields, ctx: z.RefinementCtx): void => {
    const issue = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
    if (body.pack !== undefined) {
      if (body.amount !== undefined) issue('amount', 'not allowed with pack (the pack’s price is charged)');
      if (body.currency !== undefined) issue('currency', 'not allowed with pack (the pack’s price is charged)');
      return;
    }
    if (body.amount === undefined) issue('amount', `required (or pack): ${AMOUNT_MESSAGE}`);
    if (body.currency === undefined) issue('currency', `required (or pack): expected one of: ${settings.currencies.join(', ')}`);
    if (body.amount === undefined || body.currency === undefined) return;
    const limits = settings.limits[body.currency];
    if (!limits) return;
    const problem = chargeAmountProblem(body.amount, body.currency);
    if (problem) issue('amount', problem);
    else if (body.amount < limits.min || body.amount > limits.max) {
      issue('amount', `must be between ${limits.min} and ${limits.max} ${body.currency} minor units`);
    }
  };
}

export function purchaseOf(body: PurchaseFields): Purchase {
  if (body.pack !== undefined) return { kind: 'pack', priceId: body.pack };
  return { kind: 'amount', amountMinor: body.amount!, currency: body.currency! };
}

/** The /top-up body. `customer_id` may be omitted by a JWT caller (it comes from the token). */
export function topUpBodySchema(settings: Config['topUp']) {
  return z
    .strictObject(
      {
        customer_id: stripeId('customer').optional(),
        ...purchaseFields(settings),
        payment_method: stripeId('paymentMethod').optional(),
        subscription_id: stripeId('subscription').optional(),
        flow: z.enum(['off_session', 'on_session'], { message: 'expected off_session or on_session' }).default('off_session'),
      },
      { message: 'unknown field' },
    )
    .superRefine(checkPurchase(settings));
}

export type TopUpBody = z.output<ReturnType<typeof topUpBodySchema>>;
