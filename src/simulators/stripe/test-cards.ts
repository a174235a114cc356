/**
 * Stripe's test PaymentMethods (https://docs.stripe.com/testing) and what a charge of each does.
 * `pm_processing` is the simulator's own: a payment that stays `processing` (as bank debits do).
 */
export type CardOutcome =
  | { kind: 'succeeds' }
  | { kind: 'declined'; declineCode: string; message: string; declinedOnAttach: boolean }
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
  // "This card requires authentication on all transactions, regardless of how the card is set up."
  pm_card_authenticationRequired: { kind: 'authentication_required' },
  pm_processing: { kind: 'processing' },
};
