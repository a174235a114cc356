import { z } from 'zod';

/**
 * The shapes of the Stripe ids this service accepts from callers, events and metadata. Stripe ids
 * are a fixed prefix, an underscore and letters/digits (underscores too: test-mode aliases such
 * as pm_card_visa), at most 255 characters. Anything else — a control character, a dot, a
 * slash, a percent sign — is refused at the edge, so it never reaches the store, a log line or a
 * URL path.
 */
export const STRIPE_ID_PATTERNS = {
  customer: /^cus_[A-Za-z0-9_]{1,250}$/,
  subscription: /^sub_[A-Za-z0-9_]{1,250}$/,
  /** Saved cards: pm_…, and the older card_… and src_… objects still accepted as payment_method. */
  paymentMethod: /^(pm|card|src)_[A-Za-z0-9_]{1,250}$/,
  paymentIntent: /^pi_[A-Za-z0-9_]{1,250}$/,
  price: /^price_[A-Za-z0-9_]{1,248}$/,
  checkoutSession: /^cs_[A-Za-z0-9_]{1,250}$/,
  invoice: /^in_[A-Za-z0-9_]{1,250}$/,
  creditNote: /^cn_[A-Za-z0-9_]{1,250}$/,
  event: /^evt_[A-Za-z0-9_]{1,250}$/,
  /** Refunds (re_…) and refunds of non-card payments (pyr_…). */
  refund: /^(re|pyr)_[A-Za-z0-9_]{1,250}$/,
  /** Disputes (dp_…) and disputes of non-card payments (du_…). */
  dispute: /^(dp|du)_[A-Za-z0-9_]{1,250}$/,
} as const;

export type StripeIdKind = keyof typeof STRIPE_ID_PATTERNS;

const EXAMPLE: Record<StripeIdKind, string> = {
  customer: 'a Stripe customer id (cus_…)',
  subscription: 'a Stripe subscription id (sub_…)',
  paymentMethod: 'a Stripe payment method id (pm_…)',
  paymentIntent: 'a Stripe PaymentIntent id (pi_…)',
  price: 'a Stripe price id (price_…)',
  checkoutSession: 'a Stripe Checkout Session id (cs_…)',
  invoice: 'a Stripe invoice id (in_…)',
  creditNote: 'a Stripe credit note id (cn_…)',
  event: 'a Stripe event id (evt_…)',
  refund: 'a Stripe refund id (re_…)',
  dispute: 'a Stripe dispute id (dp_…)',
};

export function isStripeId(kind: StripeIdKind, value: unknown): value is string {
  return typeof value === 'string' && STRIPE_ID_PATTERNS[kind].test(value);
}

/** A zod string that must be a Stripe id of this kind; the message names what was expected. */
export function stripeId(kind: StripeIdKind) {
  return z.string({ message: `expected ${EXAMPLE[kind]}` }).regex(STRIPE_ID_PATTERNS[kind], `expected ${EXAMPLE[kind]}`);
}

/** C0 and C1 control characters (NUL, newline, escape, DEL…): never part of an id, key or name. */
export const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/;
