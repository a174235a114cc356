import Stripe from 'stripe';

/** The card was declined or needs the customer present (3-D Secure). Not retryable as is. */
export class PaymentFailedError extends Error {
  readonly retryable = false;

  constructor(
    readonly code: 'authentication_required' | 'card_declined',
    readonly declineCode: string | null,
    readonly paymentIntentId: string | null,
    readonly clientSecret: string | null,
    /** Stripe's `advice_code` (e.g. do_not_try_again, try_again_later), when the issuer gave one. */
    readonly adviceCode: string | null = null,
  ) {
    super(code === 'authentication_required' ? 'the payment needs customer authentication' : 'the card was declined');
    this.name = 'PaymentFailedError';
  }
}

/**
 * A Stripe call failed. `unavailable`: network, timeout, rate limit or Stripe 5xx (retryable);
 * `rejected`: Stripe refused the request's parameters; `misconfigured`: our key is wrong or lacks permission.
 */
export class StripeCallError extends Error {
  constructor(
    readonly kind: 'unavailable' | 'rejected' | 'misconfigured',
    readonly stripeCode: string | null,
    readonly param: string | null,
    options?: { cause?: unknown },
  ) {
    super(`Stripe call ${kind}${stripeCode ? ` (${stripeCode})` : ''}`, options);
    this.name = 'StripeCallError';
  }

  get retryable(): boolean {
    return this.kind === 'unavailable';
  }
}

/** Runs a stripe-node call; whatever it throws leaves as PaymentFailedError or StripeCallError. */
export async function callStripe<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw translateStripeError(err);
  }
}

/** Maps whatever the SDK threw to one of our two error types. */
export function translateStripeError(err: unknown): PaymentFailedError | StripeCallError {
  if (err instanceof Stripe.errors.StripeCardError) {
    const pi = err.payment_intent;
    const code = err.code === 'authentication_required' ? 'authentication_required' : 'card_declined';
    return new PaymentFailedError(code, err.decline_code ?? err.code ?? null, pi?.id ?? null, pi?.client_secret ?? null, err.advice_code ?? null);
  }
  if (
    err instanceof Stripe.errors.StripeConnectionError ||
    err instanceof Stripe.errors.StripeAPIError ||
    err instanceof Stripe.errors.StripeRateLimitError
  ) {
    return new StripeCallError('unavailable', err.code ?? null, null, { cause: err });
  }
  if (err instanceof Stripe.errors.StripeAuthenticationError || err instanceof Stripe.errors.StripePermissionError) {
    return new StripeCallError('misconfigured', err.code ?? null, null, { cause: err });
  }
  if (err instanceof Stripe.errors.StripeError) {
    if ((err.statusCode ?? 0) >= 500) return new StripeCallError('unavailable', err.code ?? null, null, { cause: err });
    return new StripeCallError('rejected', err.code ?? null, err.param ?? null, { cause: err });
  }
  return new StripeCallError('unavailable', null, null, { cause: err });
}

/** No configured webhook secret produced the Stripe-Signature header. */
export class WebhookSignatureError extends Error {
  constructor() {
    super('webhook signature did not verify');
    this.name = 'WebhookSignatureError';
  }
}

/** The signature verified but the body is not a usable Stripe event. */
export class WebhookPayloadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WebhookPayloadError';
  }
}

/**
 * A verified thin event (Event Destinations, `v2.core.event`): it carries no object to act on.
 * Id and type are null unless they have Stripe's shape.
 */
export class ThinEventError extends Error {
  constructor(readonly eventId: string | null, readonly eventType: string | null) {
    super('thin events are not supported');
    this.name = 'ThinEventError';
  }
}
