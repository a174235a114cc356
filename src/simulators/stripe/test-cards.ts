/**
 * Stripe's test PaymentMethods (https://docs.stripe.com/testing) and what a charge of each does.
 * `pm_processing` is the simulator's own: a payment that stays `processing` (as bank debits do).
 */
export type CardOutcome =
  | { kind: 'succeeds' }
  | { kind: 'declined'; declineCode: string; message: string; declinedOnAttach: boolean; adviceCode?: string }
  | { kind: 'authentication_required' }
  | { kind: 'processing' };

const DECLINED = 'Your card was declined.';

export const TEST_PAYMENT_METHODS: Readonly<Record<string, CardOutcome>> = {
  pm_card_visa: { kind: 'succeeds' },
  pm_card_mastercard: { kind: 'succeeds' },
  // Stripe validates a card when it is attached to a customer: these are declined already then …
  pm_card_chargeDeclined: { kind: 'declined', declineCode: 'generic_decline', message: DECLINED, declinedOnAttach: true },
  pm_card_chargeDeclinedInsufficientFunds: {
    kind: 'declined',
    declineCode: 'insufficient_funds',
    message: 'Your card has insufficient funds.',
    declinedOnAttach: true,
  },
  // … while this one is attached, and declined when charged ("Decline after attaching").
  pm_card_chargeCustomerFail: { kind: 'declined', declineCode: 'generic_decline', message: DECLINED, declinedOnAttach: false },
  // Stripe's decline-code test cards ("Declined payments" in https://docs.stripe.com/testing):
  // declined with card_declined and these decline codes (the issuer refuses them when attached, too).
  pm_card_visa_chargeDeclinedLostCard: { kind: 'declined', declineCode: 'lost_card', message: DECLINED, declinedOnAttach: true },
  pm_card_visa_chargeDeclinedStolenCard: { kind: 'declined', declineCode: 'stolen_card', message: DECLINED, declinedOnAttach: true },
  pm_card_chargeDeclinedExpiredCard: { kind: 'declined', declineCode: 'expired_card', message: 'Your card has expired.', declinedOnAttach: true },
  pm_card_chargeDeclinedProcessingError: {
    kind: 'declined',
    declineCode: 'processing_error',
    message: 'An error occurred while processing your card. Try again in a little bit.',
    declinedOnAttach: true,
  },
  pm_card_chargeDeclinedFraudulent: { kind: 'declined', declineCode: 'fraudulent', message: DECLINED, declinedOnAttach: true },
  // "This card requires authentication on all transactions, regardless of how the card is set up."
  pm_card_authenticationRequired: { kind: 'authentication_required' },
  pm_processing: { kind: 'processing' },
};

/**
 * The card fingerprint Stripe would give: the same card number saved twice has the same one. A
 * test PaymentMethod name stands for one card number, so its fingerprint follows from the name.
 */
export function testCardFingerprint(testName: string): string {
  let h = 2166136261;
  for (const ch of testName) h = Math.imul(h ^ ch.charCodeAt(0), 16777619) >>> 0;
  return `fp${h.toString(36).padStart(7, '0')}${testName.length.toString(36)}`;
}
