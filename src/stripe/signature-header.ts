/**
 * A cheap look at the Stripe-Signature header before the body is read: a request whose header
 * could never verify is refused without buffering its body (see http/routes/webhook-routes.ts).
 * This is a filter, not the check: only stripe-node's verifyHeader (stripe-gateway.ts) decides
 * whether a delivery is Stripe's.
 *
 * Stripe sends `t=<unix seconds>,v1=<64 hex>[,v1=…][,v0=…]` (one v1 per active endpoint secret
 * while a secret is rolled; v0 only in test mode).
 */

/** Generous: a timestamp and a few dozen signatures. Stripe's own headers are ~150 characters. */
export const MAX_SIGNATURE_HEADER_LENGTH = 2_048;
const MAX_ITEMS = 32;
const ITEM = /^([a-z][a-z0-9]{0,7})=(.*)$/;
const TIMESTAMP = /^[0-9]{1,12}$/;
const V1 = /^[0-9a-f]{64}$/;
const OTHER_SCHEME_VALUE = /^[0-9A-Za-z]{1,256}$/;

export type SignatureHeaderProblem = 'missing' | 'too_long' | 'malformed' | 'no_timestamp' | 'no_v1_signature' | 'too_old' | 'in_the_future';

export type SignatureHeaderCheck = { ok: true; timestamp: number } | { ok: false; problem: SignatureHeaderProblem };

/**
 * Whether the header has Stripe's shape and a timestamp within `toleranceSeconds` of now, either
 * way (stripe-node only refuses old timestamps; a far-future one would make a captured
 * delivery replayable for as long).
 */
export function checkSignatureHeader(header: string | undefined, nowSeconds: number, toleranceSeconds: number): SignatureHeaderCheck {
  if (header === undefined || header.length === 0) return { ok: false, problem: 'missing' };
  if (header.length > MAX_SIGNATURE_HEADER_LENGTH) return { ok: false, problem: 'too_long' };
  const items = header.split(',');
  if (items.length > MAX_ITEMS) return { ok: false, problem: 'malformed' };
  let timestamp: number | null = null;
  let v1 = 0;
  for (const item of items) {
    const m = ITEM.exec(item);
    if (!m) return { ok: false, problem: 'malformed' };
    const [, key, value] = m as unknown as [string, string, string];
    if (key === 't') {
      if (timestamp !== null || !TIMESTAMP.test(value)) return { ok: false, problem: 'malformed' };
      timestamp = Number(value);
    } else if (key === 'v1') {
      if (!V1.test(value)) return { ok: false, problem: 'malformed' };
      v1 += 1;
    } else if (!OTHER_SCHEME_VALUE.test(value)) {
      return { ok: false, problem: 'malformed' };
    }
  }
  if (timestamp === null) return { ok: false, problem: 'no_timestamp' };
  if (v1 === 0) return { ok: false, problem: 'no_v1_signature' };
  if (nowSeconds - timestamp > toleranceSeconds) return { ok: false, problem: 'too_old' };
  if (timestamp - nowSeconds > toleranceSeconds) return { ok: false, problem: 'in_the_future' };
  return { ok: true, timestamp };
}
