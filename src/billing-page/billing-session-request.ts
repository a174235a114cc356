import { z } from 'zod';
import { stripeId } from '../stripe/stripe-ids.js';

/** A BCP 47 language tag the browser's Intl understands, in its canonical spelling. */
const localeTag = z
  .string()
  .max(35)
  .transform((s, ctx) => {
    try {
      const [canonical] = Intl.getCanonicalLocales(s);
      if (canonical) return canonical;
    } catch {
      // fall through: not a language tag
    }
    ctx.addIssue({ code: 'custom', message: 'expected a BCP 47 language tag such as en-US' });
    return z.NEVER;
  });

/**
 * Where the page's "back" link may point: an absolute URL whose origin the operator listed in
 * BILLING_RETURN_ORIGINS (no open redirect through our page).
 */
export const returnUrl = (origins: readonly string[]) =>
  z
    .string()
    .max(2_000)
    .refine((s) => URL.canParse(s) && origins.includes(new URL(s).origin), {
      message: origins.length === 0 ? 'billing sessions are off: BILLING_RETURN_ORIGINS is empty' : 'expected a URL whose origin is in BILLING_RETURN_ORIGINS',
    });

/** POST /billing-sessions. */
export const billingSessionBodySchema = (origins: readonly string[]) =>
  z
    .object({
      customer_id: stripeId('customer'),
      subscription_id: stripeId('subscription').optional(),
      return_url: returnUrl(origins),
      locale: localeTag.optional(),
    })
    .strict();

/** POST /billing/open: a form a JWT frontend submits (the token in the body, never in a URL). */
export const jwtOpenFormSchema = (origins: readonly string[]) =>
  z
    .object({
      token: z.string().min(1).max(8_000),
      subscription_id: stripeId('subscription').optional(),
      return_url: returnUrl(origins),
      locale: localeTag.optional(),
    })
    .strict();
