import type { AutoRechargeStore } from '../store/auto-recharge-store.js';

/**
 * A PaymentIntent succeeded (its webhook): if it is the auto-recharge payment that was waiting for
 * 3-D Secure, the attempt counts as charged and the setting resumes. Its credit comes through the
 * webhook like any top-up's. Returns the subscription resumed, if any.
 */
export async function paymentCompleted(store: AutoRechargeStore, paymentIntentId: string, now: number): Promise<string | null> {
  const attempt = await store.getAttemptByPaymentIntent(paymentIntentId);
  if (!attempt || attempt.outcome !== 'requires_action') return null;
  await store.finishAttempt(attempt.id, { outcome: 'succeeded', reason: 'authenticated by the customer', declineCode: null, paymentIntentId, clientSecret: null, retryAt: null }, now);
  const setting = await store.get(attempt.subscriptionId);
  if (setting?.pause?.kind === 'requires_action' && setting.pause.paymentIntentId === paymentIntentId) {
    await store.setPause(attempt.subscriptionId, null, {
      subscriptionId: attempt.subscriptionId,
      at: now,
      caller: 'system',
      change: { action: 'resumed', reason: 'the customer completed the payment', payment_intent_id: paymentIntentId },
    });
    return attempt.subscriptionId;
  }
  return null;
}
