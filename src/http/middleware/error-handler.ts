import type { ErrorRequestHandler, RequestHandler } from 'express';
import { StoreUnavailableError } from '../../store/store-errors.js';
import { PaymentFailedError, StripeCallError } from '../../stripe/stripe-errors.js';
import { ApiError } from '../api-error.js';

/** Turns anything thrown into an ApiError; upstream messages and stacks never reach the caller. */
export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof PaymentFailedError) {
    return err.code === 'authentication_required'
      ? new ApiError('authentication_required', 'The card needs the customer to authenticate (3-D Secure). Confirm the payment in the browser with client_secret.', {
          payment_intent_id: err.paymentIntentId,
          client_secret: err.clientSecret,
        })
      : new ApiError('card_declined', 'The card was declined.', {
          decline_code: err.declineCode,
          payment_intent_id: err.paymentIntentId,
        });
  }
  if (err instanceof StripeCallError) {
    switch (err.kind) {
      case 'unavailable':
        return new ApiError('stripe_unavailable', 'Stripe could not be reached; retry with the same Idempotency-Key.');
      case 'misconfigured':
        return new ApiError('stripe_misconfigured', 'The service could not authenticate with Stripe.');
      case 'rejected':
        return new ApiError('payment_rejected', 'Stripe refused the payment request.', {
          stripe_code: err.stripeCode,
          ...(err.param ? { param: err.param } : {}),
        });
    }
  }
  if (err instanceof StoreUnavailableError) {
    return new ApiError('store_unavailable', 'The service cannot reach its database; retry shortly.');
  }
  const type = (err as { type?: string } | null)?.type;
  if (type === 'entity.parse.failed') return new ApiError('invalid_json', 'The request body is not valid JSON.');
  if (type === 'entity.too.large') return new ApiError('payload_too_large', 'The request body is too large.');
  if (type === 'encoding.unsupported' || type === 'charset.unsupported') {
    return new ApiError('validation_failed', 'Unsupported request body encoding.');
  }
  return new ApiError('internal_error', 'Something went wrong on our side.');
}

/** The one error shape: { error: { code, message, request_id, ...details } }. */
export const errorHandler: ErrorRequestHandler = (err, req, res, _next) => {
  const apiError = toApiError(err);
  if (apiError.code === 'internal_error' || apiError.code === 'store_unavailable') {
    req.log.error({ err }, 'request error');
  } else if (apiError.status >= 500) {
    req.log.warn({ code: apiError.code, errName: (err as Error)?.name }, 'upstream error');
  }
  res.status(apiError.status).json({
    error: { code: apiError.code, message: apiError.message, request_id: req.id, ...apiError.details },
  });
};

export const notFoundHandler: RequestHandler = (_req, _res, next) => {
  next(new ApiError('not_found', 'No such route.'));
};
