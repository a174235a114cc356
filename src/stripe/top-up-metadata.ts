import { CREDIT_ORIGINS, type CreditOrigin } from '../ledger/ledger-entry.js';
import { formatCredits, parseCredits } from '../packs/credit-amount.js';
import { CONTROL_CHARACTERS, isStripeId } from './stripe-ids.js';

/**
 * The metadata this service writes on the PaymentIntents it creates. The marker is what makes a
 * PaymentIntent a top-up: succeeded PaymentIntents without it (subscription invoices, other
 * checkouts) are not credited unless CREDIT_UNTAGGED_PAYMENT_INTENTS is on.
 */
export const TOP_UP_MARKER_KEY = 'topup_sync';
export const TOP_UP_MARKER_VALUE = 'v1';
const COMPANY_KEY = 'moesif_company_id';
const SUBSCRIPTION_KEY = 'moesif_subscription_id';
/** On a Price or Product: credits per unit (a credit pack). On a top-up's PaymentIntent: the credits it buys. */
export const CREDITS_KEY = 'moesif_credits';
/** How the purchase was sold, when not by POST /top-up: `checkout` or `auto-recharge` (GET /ledger's source). */
const ORIGIN_KEY = 'topup_sync_origin';

export interface TopUpTag {
  companyId: string;
  subscriptionId: string | null;
  /** Credits fixed by a pack bought; null: the amount paid at CREDIT_RATES. */
  credits: string | null;
  /** Absent: a top-up asked for through POST /top-up. */
  origin?: CreditOrigin;
}

export function topUpMetadata(tag: TopUpTag): Record<string, string> {
  return {
    [TOP_UP_MARKER_KEY]: TOP_UP_MARKER_VALUE,
    [COMPANY_KEY]: tag.companyId,
    ...(tag.subscriptionId ? { [SUBSCRIPTION_KEY]: tag.subscriptionId } : {}),
    ...(tag.credits ? { [CREDITS_KEY]: tag.credits } : {}),
    ...(tag.origin ? { [ORIGIN_KEY]: tag.origin } : {}),
  };
}

/**
 * A Moesif company id we are willing to store and send: Moesif's ids are the operator's own, so
 * any text, but bounded and without control characters (PostgreSQL refuses NUL).
 */
export function isUsableCompanyId(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= 255 && !CONTROL_CHARACTERS.test(value);
}

/**
 * The tag of a PaymentIntent this service created, or null for any other PaymentIntent (or one
 * whose tag was edited into something this service would never have written).
 */
export function readTopUpTag(metadata: Record<string, string> | null | undefined): TopUpTag | null {
  if (!metadata || metadata[TOP_UP_MARKER_KEY] !== TOP_UP_MARKER_VALUE) return null;
  const companyId = metadata[COMPANY_KEY];
  if (!isUsableCompanyId(companyId)) return null;
  const subscriptionId = metadata[SUBSCRIPTION_KEY] || null;
  if (subscriptionId !== null && !isStripeId('subscription', subscriptionId)) return null;
  const creditsText = metadata[CREDITS_KEY];
  let credits: string | null = null;
  if (creditsText !== undefined) {
    const micro = parseCredits(creditsText);
    if (micro === null) return null;
    credits = formatCredits(micro);
  }
  // Only a label for history: an unknown value is dropped, not a reason to refuse the credit.
  const originText = metadata[ORIGIN_KEY];
  const origin = (CREDIT_ORIGINS as readonly string[]).includes(originText ?? '') ? (originText as CreditOrigin) : undefined;
  return { companyId, subscriptionId, credits, ...(origin ? { origin } : {}) };
}
