import { currencyClass, formatMinorUnits, minimumChargeAmount, STRIPE_MAX_AMOUNT } from '../../money/currencies.js';
import { invalidRequest, type StripeApiError } from './stripe-error.js';

/**
 * Stripe's refusals of a charge amount ("Supported currencies": minor units, minimum and maximum
 * charge amounts, three-decimal currencies). The currency facts come from src/money/currencies.ts,
 * which transcribes Stripe's table; the refusals here are Stripe's answers, checked independently
 * of the service's own validation of /top-up.
 */

/** Stripe: "Invalid integer: x" (parameter_invalid_integer) for an amount that is not a whole number. */
export function integerAmount(param: string, raw: unknown): number | StripeApiError {
  const text = String(raw ?? '');
  if (!/^-?\d+$/.test(text)) return invalidRequest('parameter_invalid_integer', param, `Invalid integer: ${text}`);
  return Number(text);
}

/** Why Stripe refuses to charge `amount` minor units of `currency`, or null. */
export function chargeAmountRefusal(param: string, amount: number, currency: string): StripeApiError | null {
  const c = currency.toLowerCase();
  if (amount < 1) return invalidRequest('parameter_invalid_integer', param, 'This value must be greater than or equal to 1.');
  // "The amount value supports up to eight digits."
  if (amount > STRIPE_MAX_AMOUNT) {
    return invalidRequest('amount_too_large', param, `Amount must be no more than ${formatMinorUnits(STRIPE_MAX_AMOUNT, c)} ${c}`);
  }
  // "To ensure compatibility with Stripe's payments partners, these API calls require the
  // least-significant (last) digit to be 0" (three-decimal currencies: BHD JOD KWD OMR TND).
  if (currencyClass(c) === 'three-decimal' && amount % 10 !== 0) {
    return invalidRequest(
      'invalid_charge_amount',
      param,
      `Invalid amount for ${c}: the last digit of a three-decimal currency amount must be 0 (e.g. ${amount - (amount % 10)}).`,
    );
  }
  // ISK and UGX are whole units that the API still writes with two decimals: "the amount value
  // must be evenly divisible by 100".
  if (currencyClass(c) === 'two-decimal-whole-units' && amount % 100 !== 0) {
    return invalidRequest('invalid_charge_amount', param, `Invalid amount for ${c}: the amount must be evenly divisible by 100.`);
  }
  // "The minimum amount is $0.50 US or equivalent in charge currency" (amount_too_small).
  const minimum = minimumChargeAmount(c);
  if (amount < minimum) {
    return invalidRequest('amount_too_small', param, `Amount must be at least ${formatMinorUnits(minimum, c)} ${c}`);
  }
  return null;
}
