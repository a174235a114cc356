import { createHmac } from 'node:crypto';
import Stripe from 'stripe';

/**
 * The events the benchmark sends: each a `payment_intent.succeeded` of a distinct top-up
 * PaymentIntent (shaped like test/support/harness.ts topUpPaymentIntent()), signed the way
 * Stripe signs webhooks (`t=<unix s>,v1=<HMAC-SHA256 of "<t>.<body>">`).
 */

export const BENCH_CUSTOMER = 'cus_bench';
export const BENCH_SUBSCRIPTION = 'sub_bench';
/** The API version the service pins: events of another version are logged as a mismatch. */
const API_VERSION = Stripe.API_VERSION;

/** The PaymentIntent id of event `index` of a phase (also the Moesif transaction_id of its credit). */
export function paymentIntentId(idPrefix: string, index: number): string {
  return `pi_${idPrefix}${index.toString(36).padStart(6, '0')}`;
}

/** Index of a PaymentIntent id built by paymentIntentId() with this prefix, or -1. */
export function indexOfPaymentIntentId(idPrefix: string, id: string): number {
  const head = `pi_${idPrefix}`;
  if (!id.startsWith(head)) return -1;
  const index = parseInt(id.slice(head.length), 36);
  return Number.isInteger(index) ? index : -1;
}

export function eventBody(idPrefix: string, index: number, createdS: number): string {
  const id = paymentIntentId(idPrefix, index);
  return JSON.stringify({
    id: `evt_${idPrefix}${index.toString(36).padStart(6, '0')}`,
    object: 'event',
    api_version: API_VERSION,
    created: createdS,
    data: {
      object: {
        id,
        object: 'payment_intent',
        amount: 1000,
        amount_received: 1000,
        currency: 'usd',
        customer: BENCH_CUSTOMER,
        status: 'succeeded',
        client_secret: `${id}_secret_bench`,
        metadata: { topup_sync: 'v1', moesif_company_id: BENCH_CUSTOMER, moesif_subscription_id: BENCH_SUBSCRIPTION },
        livemode: false,
        created: createdS,
      },
    },
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    type: 'payment_intent.succeeded',
  });
}

/** The Stripe-Signature header for `body` signed at `timestampS`. */
export function stripeSignature(body: string, secret: string, timestampS: number): string {
  const v1 = createHmac('sha256', secret).update(`${timestampS}.${body}`, 'utf8').digest('hex');
  return `t=${timestampS},v1=${v1}`;
}

export interface SignedEvent {
  body: Buffer;
  signature: string;
  signedAtS: number;
}

export function signedEvent(idPrefix: string, index: number, secret: string, nowS: number): SignedEvent {
  const body = eventBody(idPrefix, index, nowS);
  return { body: Buffer.from(body, 'utf8'), signature: stripeSignature(body, secret, nowS), signedAtS: nowS };
}
