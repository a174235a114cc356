import type { ParamsRule } from './endpoint.js';
import { invalidRequest } from './stripe-error.js';
import { isObject, isTrue } from './world.js';
import { chargeAmountRefusal, integerAmount } from './amount-rules.js';

/**
 * What Stripe refuses when a PaymentIntent is created (and, with confirm=true, confirmed in the
 * same call), before anything is charged. Each rule names the Stripe behaviour it models.
 */

/** `off_session` is "true" / "false" or one of the enum values 'one_off' | 'recurring'. */
const isOffSession = (value: unknown): boolean => isTrue(value) || value === 'one_off' || value === 'recurring';

/** Amount: a whole number, within Stripe's limits for the currency (see amount-rules.ts). */
export const chargeableAmount: ParamsRule = (params) => {
  const amount = integerAmount('amount', params.amount);
  if (typeof amount !== 'number') return amount;
  return chargeAmountRefusal('amount', amount, String(params.currency));
};

/**
 * API reference, `off_session`: "This parameter can only be used with confirm=true." (The
 * wording of the refusal is ours; the 400 invalid_request_error and its param are Stripe's.)
 */
export const offSessionNeedsConfirm: ParamsRule = (params) =>
  isOffSession(params.off_session) && !isTrue(params.confirm)
    ? invalidRequest(undefined, 'off_session', 'off_session can only be used when confirm=true.')
    : null;

/**
 * Stripe refuses to set up a payment method for future use while the customer is not there to
 * consent: "You cannot confirm with the `off_session` parameter when `setup_future_usage` is
 * also set on the PaymentIntent because you cannot set up future usages when processing
 * payments off-session".
 */
export const noSetupFutureUsageOffSession: ParamsRule = (params) =>
  isOffSession(params.off_session) && params.setup_future_usage !== undefined && params.setup_future_usage !== ''
    ? invalidRequest(
        undefined,
        'setup_future_usage',
        'You cannot confirm with the `off_session` parameter when `setup_future_usage` is also set on the PaymentIntent because you cannot set up future usages when processing payments off-session',
      )
    : null;

export const RETURN_URL_REQUIRED =
  'A `return_url` must be specified because this Payment Intent is configured to automatically accept the payment methods enabled in the Dashboard, some of which may require a full page redirect to succeed. If you do not want to accept redirect-based payment methods, set `automatic_payment_methods[enabled]` to `true` and `automatic_payment_methods[allow_redirects]` to `never` when creating Setup Intents and Payment Intents.';

/**
 * Since API version 2023-08-16 a PaymentIntent created without a list of payment method types
 * (in this API version `allowed_payment_method_types`; formerly `payment_method_types`) has
 * `automatic_payment_methods: { enabled: true, allow_redirects: 'always' }`: it accepts every
 * method enabled in the Dashboard, some of which redirect. Stripe then refuses to confirm it
 * without a `return_url`, whatever the payment method: even a saved card charged off-session.
 * `allow_redirects: 'never'` (or an explicit list of types) is what lets it confirm without one.
 * (`automatic_payment_methods[enabled]=false` without a list is read as "cards only": not modelled further.)
 */
export const returnUrlWhenRedirectsAllowed: ParamsRule = (params) => {
  if (!isTrue(params.confirm) || (params.return_url !== undefined && params.return_url !== '')) return null;
  if (params.allowed_payment_method_types !== undefined) return null;
  const automatic = params.automatic_payment_methods;
  if (isObject(automatic) && (automatic.enabled === 'false' || automatic.allow_redirects === 'never')) return null;
  return invalidRequest(undefined, 'return_url', RETURN_URL_REQUIRED);
};

/**
 * Confirming needs something to pay with: "You cannot confirm this PaymentIntent because it's
 * missing a payment method." (payment_intent_unexpected_state).
 */
export const confirmNeedsPaymentMethod: ParamsRule = (params) =>
  isTrue(params.confirm) && !params.payment_method && !params.payment_method_data && !params.confirmation_token
    ? invalidRequest(
        'payment_intent_unexpected_state',
        undefined,
        "You cannot confirm this PaymentIntent because it's missing a payment method. To confirm the PaymentIntent, specify a payment method attached to the customer along with the customer ID.",
      )
    : null;

/** Every rule of POST /v1/payment_intents, in the order Stripe's answers are checked here. */
export const PAYMENT_INTENT_CREATE_RULES: readonly ParamsRule[] = [
  chargeableAmount,
  offSessionNeedsConfirm,
  noSetupFutureUsageOffSession,
  confirmNeedsPaymentMethod,
  returnUrlWhenRedirectsAllowed,
];
