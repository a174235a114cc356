import type { AutoRechargeSetting } from '../store/auto-recharge-store.js';
import type { AutoRechargeDeps } from './auto-recharge-deps.js';

export type CardChoice =
  | { kind: 'card'; paymentMethodId: string; fingerprint: string }
  | { kind: 'none'; reason: 'no_usable_card' | 'customer_deleted' };

/**
 * The card a recharge charges: the setting's payment method, else the customer's default, else
 * their only card (as /top-up chooses), with its fingerprint, which is what says whether the
 * customer changed cards since a decline (the same card saved again keeps its fingerprint).
 */
export async function chooseCard(deps: AutoRechargeDeps, setting: AutoRechargeSetting): Promise<CardChoice> {
  const customer = await deps.stripe.getCustomer(setting.customerId);
  if (!customer || customer.deleted) return { kind: 'none', reason: 'customer_deleted' };
  let paymentMethodId = setting.paymentMethodId;
  if (!paymentMethodId) {
    const choice = await deps.stripe.choosePaymentMethod(customer);
    if (choice.kind !== 'found') return { kind: 'none', reason: 'no_usable_card' };
    paymentMethodId = choice.paymentMethodId;
  }
  const fingerprint = await deps.stripe.cardFingerprint(paymentMethodId);
  return fingerprint ? { kind: 'card', paymentMethodId, fingerprint } : { kind: 'none', reason: 'no_usable_card' };
}
