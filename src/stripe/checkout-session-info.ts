import type Stripe from 'stripe';
import { toPriceInfo } from './price-info.js';
import { readTopUpTag, TOP_UP_MARKER_KEY, TOP_UP_MARKER_VALUE, topUpMetadata, type TopUpTag } from './top-up-metadata.js';

/** A Checkout Session in the project's own terms. */
export interface CheckoutSessionInfo {
  id: string;
  url: string | null;
  /** Unix seconds. */
  expiresAt: number;
  status: string | null;
  paymentStatus: string;
  paymentIntentId: string | null;
  customerId: string | null;
  amountTotalMinor: number | null;
  currency: string | null;
  /** Present on sessions this service created. */
  tag: TopUpTag | null;
  mode: string;
  metadata: Record<string, string>;
}

/** One line of a session: a pack line when its price (or product) carries moesif_credits. */
export interface CheckoutLine {
  priceId: string | null;
  quantity: number;
  /** Credits per unit (exact), or null for a line that is not a pack. */
  creditsPerUnit: string | null;
}

const idOf = (ref: string | { id: string } | null | undefined): string | null => (ref == null ? null : typeof ref === 'string' ? ref : ref.id);

export function toCheckoutSessionInfo(session: Stripe.Checkout.Session): CheckoutSessionInfo {
  return {
    id: session.id,
    url: session.url ?? null,
    expiresAt: session.expires_at,
    status: session.status ?? null,
    paymentStatus: session.payment_status,
    paymentIntentId: idOf(session.payment_intent),
    customerId: idOf(session.customer),
    amountTotalMinor: session.amount_total ?? null,
    currency: session.currency?.toLowerCase() ?? null,
    tag: readTopUpTag(session.metadata),
    mode: session.mode,
    metadata: session.metadata ?? {},
  };
}

export function toCheckoutLine(item: Stripe.LineItem): CheckoutLine {
  const price = item.price ? toPriceInfo(item.price) : null;
  return { priceId: price?.id ?? null, quantity: item.quantity ?? 0, creditsPerUnit: price?.creditsPerUnit ?? null };
}

/** Metadata that marks a session (or Payment Link) as a credit purchase, whoever created it. */
export function hasCreditMarker(metadata: Record<string, string> | null | undefined): boolean {
  return metadata?.[TOP_UP_MARKER_KEY] === TOP_UP_MARKER_VALUE;
}

export interface CreateCheckoutInput {
  customerId: string;
  /** A pack (its Stripe Price), or an amount sold as one "API credits" line. */
  item: { priceId: string } | { amountMinor: number; currency: string };
  tag: TopUpTag;
  successUrl: string;
  cancelUrl: string;
  /** Save the card for later off-session charges (auto-recharge), with Stripe's consent text. */
  saveCard: boolean;
  idempotencyKey: string;
}

/** The parameters of a hosted Checkout Session in payment mode for one top-up. */
export function checkoutSessionParams(input: CreateCheckoutInput): Stripe.Checkout.SessionCreateParams {
  const metadata = topUpMetadata(input.tag);
  const lineItem: Stripe.Checkout.SessionCreateParams.LineItem =
    'priceId' in input.item
      ? { price: input.item.priceId, quantity: 1 }
      : { price_data: { currency: input.item.currency, unit_amount: input.item.amountMinor, product_data: { name: 'API credits' } }, quantity: 1 };
  return {
    mode: 'payment',
    customer: input.customerId,
    line_items: [lineItem],
    success_url: input.successUrl,
    cancel_url: input.cancelUrl,
    metadata,
    payment_intent_data: {
      metadata,
      description: 'API credit top-up',
      ...(input.saveCard ? { setup_future_usage: 'off_session' as const } : {}),
    },
    // Saving a card for later charges needs the customer's consent: Stripe shows its reuse terms.
    ...(input.saveCard ? { consent_collection: { payment_method_reuse_agreement: { position: 'auto' as const } } } : {}),
  };
}
