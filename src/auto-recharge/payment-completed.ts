import type { OutgoingEvents } from '../outgoing-events/outgoing-events.js';
import type { PackCatalog } from '../packs/pack-catalog.js';
import type { AttemptResult } from '../store/auto-recharge-store.js';
import type { Store } from '../store/store.js';
import { packCreditsOf } from './attempt-events.js';

/**
 * A PaymentIntent succeeded (its webhook): if it is the auto-recharge payment that was waiting for
 * 3-D Secure, the attempt counts as charged (with its auto_recharge.succeeded event, in the same
 * transaction) and the setting resumes. Its credit comes through the webhook like any top-up's.
 * Returns the subscription resumed, if any.
 */
export async function paymentCompleted(deps: { store: Store; events: OutgoingEvents; packs: PackCatalog | null }, paymentIntentId: string, now: number): Promise<string | null> {
  const store = deps.store.autoRecharge;
  const attempt = await store.getAttemptByPaymentIntent(paymentIntentId);
  if (!attempt || attempt.outcome !== 'requires_action') return null;
  const result: AttemptResult = { outcome: 'succeeded', reason: 'authenticated by the customer', declineCode: null, paymentIntentId, clientSecret: null, retryAt: null };
  const credits = await packCreditsOf(deps.store, deps.packs, attempt, paymentIntentId);
  await store.finishAttempt(attempt.id, result, now, deps.events.forAutoRechargeAttempt(attempt, result, credits, now));
  deps.events.queued();
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
