import type { AttemptResult, AutoRechargeAttempt } from '../store/auto-recharge-store.js';
import { packCreditsOf } from './attempt-events.js';
import type { AutoRechargeDeps } from './auto-recharge-deps.js';

/** How many of the latest attempts are looked at for one still waiting for the customer. */
const LOOK_BACK = 20;

/**
 * What became of the payments that were waiting for the customer (3-D Secure): `charged` when
 * one of them had already been completed (it is a charge of this crossing: no new one may be
 * made), else `none` (there were none, or each is now canceled and can no longer charge).
 */
export type OpenActionsSettled = 'none' | 'charged';

/**
 * Before auto-recharge charges again for a subscription (a card change lifted the pause, an
 * operator resumed it) or stops (disabled, deleted), a PaymentIntent still waiting for the
 * customer is canceled through Stripe: else the customer could complete it later and pay one
 * crossing twice. Stripe decides the race: a PaymentIntent it already took (succeeded, or
 * processing) is that attempt's charge, recorded as such; one it canceled is recorded
 * `canceled` and its pause (if it is the one paused on) lifted, since nothing waits any more.
 * Stripe errors propagate: nothing new is charged until it answers.
 */
export async function settleOpenActions(deps: AutoRechargeDeps, subscriptionId: string, why: string, attempts?: readonly AutoRechargeAttempt[]): Promise<OpenActionsSettled> {
  const recent = attempts ?? (await deps.store.autoRecharge.listAttempts(subscriptionId, LOOK_BACK));
  const open = recent.filter((a) => a.outcome === 'requires_action' && a.paymentIntentId);
  let settled: OpenActionsSettled = 'none';
  for (const attempt of open) {
    const pi = attempt.paymentIntentId!;
    const status = await deps.stripe.cancelOpenPaymentIntent(pi);
    const now = deps.now();
    const charged = status === 'succeeded' || status === 'processing';
    if (charged) settled = 'charged';
    const result: AttemptResult = {
      outcome: charged ? status : 'canceled',
      reason: charged ? 'authenticated by the customer' : why,
      declineCode: attempt.declineCode,
      paymentIntentId: pi,
      clientSecret: null,
      retryAt: null,
    };
    const credits = charged ? await packCreditsOf(deps.store, deps.topUps.packs, attempt, pi) : null;
    await deps.store.autoRecharge.finishAttempt(attempt.id, result, now, charged ? deps.events.forAutoRechargeAttempt(attempt, result, credits, now) : []);
    deps.events.queued();
    const setting = await deps.store.autoRecharge.get(subscriptionId);
    if (setting?.pause?.kind === 'requires_action' && setting.pause.paymentIntentId === pi) {
      await deps.store.autoRecharge.setPause(subscriptionId, null, {
        subscriptionId,
        at: now,
        caller: 'system',
        change: charged
          ? { action: 'resumed', reason: 'the customer completed the payment', payment_intent_id: pi }
          : { action: 'resumed', reason: `payment canceled: ${why}`, payment_intent_id: pi },
      });
    }
    deps.onAttempt(charged ? status : 'canceled');
    deps.logger.info({ subscriptionId, attemptId: attempt.id, paymentIntentId: pi, status, why }, 'auto-recharge payment waiting for the customer settled');
  }
  return settled;
}
