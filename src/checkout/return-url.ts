import { isLocalHost } from '../config/env-schema.js';

/**
 * Why a URL may not be a checkout's success_url / cancel_url, or null when it may. Stripe sends
 * the customer there after paying, so an unchecked URL would make this service an open redirect
 * (a phishing page reached through the operator's own checkout): only https (plain http for
 * localhost, in development) and only the origins the operator listed in CHECKOUT_RETURN_ORIGINS.
 */
export function returnUrlProblem(text: string, allowedOrigins: readonly string[]): string | null {
  if (text.length > 2_000) return 'must be at most 2000 characters';
  if (!URL.canParse(text)) return 'expected an absolute https URL';
  const url = new URL(text);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLocalHost(url.hostname))) {
    return 'must be https (http only for localhost)';
  }
  if (url.username || url.password) return 'must not carry credentials';
  if (!allowedOrigins.includes(url.origin)) return 'its origin is not one of CHECKOUT_RETURN_ORIGINS';
  return null;
}
