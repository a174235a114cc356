/** The closed set of error codes this API answers with (the OpenAPI document lists each one). */
export const API_ERROR_CODES = [
  'validation_failed',
  'invalid_json',
  'invalid_signature',
  'payload_too_large',
  'unauthenticated',
  'forbidden',
  'not_found',
  'idempotency_key_reused',
  'rate_limited',
  'customer_not_found',
  'no_payment_method',
  'company_not_mapped',
  'payment_rejected',
  'subscription_unresolved',
  'subscription_not_owned',
  'authentication_required',
  'card_declined',
  'stripe_unavailable',
  'stripe_misconfigured',
  'moesif_unavailable',
  'store_unavailable',
  'server_busy',
  'internal_error',
] as const;

export type ApiErrorCode = (typeof API_ERROR_CODES)[number];

export function statusOf(code: ApiErrorCode): number {
  switch (code) {
    case 'validation_failed':
    case 'invalid_json':
    case 'invalid_signature':
      return 400;
    case 'unauthenticated':
      return 401;
    case 'authentication_required':
    case 'card_declined':
      return 402;
    case 'forbidden':
      return 403;
    case 'not_found':
      return 404;
    case 'idempotency_key_reused':
      return 409;
    case 'payload_too_large':
      return 413;
    case 'rate_limited':
      return 429;
    case 'customer_not_found':
    case 'no_payment_method':
    case 'company_not_mapped':
    case 'payment_rejected':
    case 'subscription_unresolved':
    case 'subscription_not_owned':
      return 422;
    case 'internal_error':
      return 500;
    case 'stripe_misconfigured':
      return 502;
    case 'stripe_unavailable':
    case 'moesif_unavailable':
    case 'store_unavailable':
    case 'server_busy':
      return 503;
    default: {
      const unreachable: never = code;
      return unreachable;
    }
  }
}

export interface FieldProblem {
  field: string;
  problem: string;
}

/**
 * An error meant for the caller. The message is ours, never an upstream's; `details` carries
 * structured extras (bad fields, decline code, the PaymentIntent to authenticate).
 */
export class ApiError extends Error {
  constructor(
    readonly code: ApiErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }

  get status(): number {
    return statusOf(this.code);
  }
}
