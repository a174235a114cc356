/**
 * Errors as Stripe answers them: an HTTP status and `{ error: { type, code, param, message } }`
 * (https://docs.stripe.com/api/errors). stripe-node turns them into StripeInvalidRequestError,
 * StripeCardError, StripeIdempotencyError… exactly as it would for api.stripe.com.
 */
export interface StripeErrorBody {
  type: 'invalid_request_error' | 'card_error' | 'idempotency_error' | 'api_error';
  code?: string;
  decline_code?: string;
  param?: string;
  message: string;
  payment_intent?: unknown;
}

export class StripeApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: StripeErrorBody,
  ) {
    super(body.message);
    this.name = 'StripeApiError';
  }
}

/** 400 invalid_request_error: the request itself is wrong. `code` undefined where Stripe's is not documented. */
export function invalidRequest(code: string | undefined, param: string | undefined, message: string): StripeApiError {
  return new StripeApiError(400, { type: 'invalid_request_error', ...(code ? { code } : {}), ...(param ? { param } : {}), message });
}

/**
 * resource_missing with Stripe's wording ("No such customer: 'cus_x'"): 404 when the id is in the
 * URL, 400 when it was a parameter of the request.
 */
export function resourceMissing(what: string, id: string, param?: string): StripeApiError {
  return new StripeApiError(param ? 400 : 404, {
    type: 'invalid_request_error',
    code: 'resource_missing',
    ...(param ? { param } : {}),
    message: `No such ${what}: '${id}'`,
  });
}

/** Stripe: 400 parameter_unknown, "Received unknown parameter: x" (nested: "a[b]"). */
export const unknownParameterError = (name: string): StripeApiError =>
  invalidRequest('parameter_unknown', name, `Received unknown parameter: ${name}`);

/** Stripe: 400 parameter_missing, "Missing required param: x." */
export const missingParameterError = (name: string): StripeApiError =>
  invalidRequest('parameter_missing', name, `Missing required param: ${name}.`);
