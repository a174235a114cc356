import type { TopUpIntent } from '../stripe/top-up-intent.js';

/** What /top-up answers with on success (201). */
export interface TopUpResult {
  payment_intent_id: string;
  status: string;
  amount: number;
  currency: string;
  customer_id: string;
  client_secret?: string;
}

/** The client secret is returned only when the browser has something to do with it. */
const BROWSER_STEPS = new Set(['requires_payment_method', 'requires_confirmation', 'requires_action']);

export function toTopUpResult(intent: TopUpIntent, customerId: string): TopUpResult {
  return {
    payment_intent_id: intent.id,
    status: intent.status,
    amount: intent.amountMinor,
    currency: intent.currency,
    customer_id: customerId,
    ...(intent.clientSecret && BROWSER_STEPS.has(intent.status) ? { client_secret: intent.clientSecret } : {}),
  };
}
