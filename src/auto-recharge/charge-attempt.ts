import type { Caller } from '../auth/caller.js';
import { ApiError } from '../http/api-error.js';
import type { AttemptResult, AutoRechargeAttempt, AutoRechargePause, AutoRechargeSetting } from '../store/auto-recharge-store.js';
import { PaymentFailedError, StripeCallError } from '../stripe/stripe-errors.js';
import { createTopUp } from '../top-ups/create-top-up.js';
import type { AutoRechargeDeps } from './auto-recharge-deps.js';
import { declineClass, softDeclineRetryAt } from './decline-class.js';
import { packCreditsOf } from './attempt-events.js';

/** Who charges on the customer's behalf, in the top-up record (`api_key:auto-recharge`). */
export const AUTO_RECHARGE_CALLER: Caller = { kind: 'api_key', id: 'auto-recharge' };

/** An unreachable Stripe is asked again (same attempt, same idempotency key) after this long. */
export const STRIPE_UNAVAILABLE_RETRY_MS = 60_000;

const result = (outcome: AttemptResult['outcome'], fields: Partial<AttemptResult> = {}): AttemptResult => ({
  outcome,
  reason: null,
  declineCode: null,
  paymentIntentId: null,
  clientSecret: null,
  retryAt: null,
  ...fields,
});

/** What Stripe's answer (or refusal) means for this attempt. Unknown errors propagate: the attempt stays in flight. */
function classify(err: unknown, now: number): AttemptResult {
  if (err instanceof PaymentFailedError) {
    const pi = { paymentIntentId: err.paymentIntentId, declineCode: err.declineCode };
    if (err.code === 'authentication_required') {
      return result('requires_action', { ...pi, reason: 'authentication_required', clientSecret: err.clientSecret });
    }
    const cls = declineClass(err.declineCode, err.adviceCode);
    const reason = err.adviceCode === 'do_not_try_again' ? 'advice_do_not_try_again' : (err.declineCode ?? 'card_declined');
    return result(cls === 'hard' ? 'hard_decline' : 'soft_decline', { ...pi, reason });
  }
  if (err instanceof StripeCallError) {
    if (err.kind === 'unavailable') return result('stripe_unavailable', { reason: 'stripe_unavailable', retryAt: now + STRIPE_UNAVAILABLE_RETRY_MS });
    return result('failed', { reason: err.kind === 'misconfigured' ? 'stripe_misconfigured' : `stripe_rejected:${err.stripeCode ?? 'unknown'}` });
  }
  if (err instanceof ApiError) {
    switch (err.code) {
      case 'customer_not_found':
        return result('failed', { reason: 'customer_deleted' });
      case 'no_payment_method':
        return result('failed', { reason: 'no_usable_card' });
      case 'subscription_not_owned':
      case 'company_not_mapped':
        return result('failed', { reason: err.code });
      case 'validation_failed':
        // Only a pack no longer on sale gets here (the amount was validated when it was saved).
        return result('failed', { reason: 'pack_unavailable' });
      case 'stripe_unavailable':
        return result('stripe_unavailable', { reason: 'stripe_unavailable', retryAt: now + STRIPE_UNAVAILABLE_RETRY_MS });
      default:
        break;
    }
  }
  throw err;
}

/** Outcomes that stop auto-recharge until something changes, and how. */
function pauseFor(attempt: AutoRechargeAttempt, r: AttemptResult, consecutiveSoft: number, now: number): AutoRechargePause | null {
  const base = { cardFingerprint: attempt.cardFingerprint, paymentIntentId: null, since: now };
  switch (r.outcome) {
    case 'requires_action':
      return { ...base, kind: 'requires_action', reason: 'authentication_required', paymentIntentId: r.paymentIntentId };
    case 'hard_decline':
      return { ...base, kind: 'suspended', reason: `hard_decline:${r.reason}` };
    case 'soft_decline':
      return r.retryAt === null ? { ...base, kind: 'suspended', reason: `soft_declines:${consecutiveSoft}` } : null;
    case 'failed':
      // Refused before any charge (no card, customer deleted, Stripe refused the parameters):
      // trying again would be refused the same way. A wrong Stripe key is the operator's to fix
      // for every customer at once, so that one is only retried after the cooldown.
      return r.reason === 'stripe_misconfigured' ? null : { ...base, kind: 'suspended', reason: r.reason ?? 'failed' };
    default:
      return null;
  }
}

/**
 * Charges one claimed attempt through the /top-up path, off-session, with the attempt id as the
 * Stripe idempotency key (a retaken attempt reaches Stripe with the same key: one charge), then
 * records its outcome and what it means for the setting: requires_action and hard declines pause
 * it, soft declines schedule the next try (1 h, 6 h, 24 h) and suspend it after the last one.
 */
export async function chargeAttempt(deps: AutoRechargeDeps, setting: AutoRechargeSetting, attempt: AutoRechargeAttempt): Promise<AttemptResult> {
  let r: AttemptResult;
  try {
    const topUp = await createTopUp(
      { ...deps.topUps, logger: deps.logger },
      AUTO_RECHARGE_CALLER,
      {
        customerId: setting.customerId,
        purchase: attempt.pack
          ? { kind: 'pack', priceId: attempt.pack.priceId, quantity: attempt.pack.quantity }
          : { kind: 'amount', amountMinor: attempt.amountMinor, currency: attempt.currency },
        paymentMethodId: attempt.paymentMethodId,
        subscriptionId: setting.subscriptionId,
        flow: 'off_session',
        origin: 'auto-recharge',
      },
      undefined,
      attempt.id,
    );
    const pi = { paymentIntentId: topUp.payment_intent_id };
    if (topUp.status === 'succeeded' || topUp.status === 'processing') r = result(topUp.status, pi);
    else if (topUp.status === 'requires_action') {
      r = result('requires_action', { ...pi, reason: 'authentication_required', clientSecret: topUp.client_secret ?? null });
    } else r = result('failed', { ...pi, reason: `payment_${topUp.status}` });
  } catch (err) {
    r = classify(err, deps.now());
  }
  const now = deps.now();
  let consecutiveSoft = 0;
  if (r.outcome === 'soft_decline') {
    const recent = await deps.store.autoRecharge.listAttempts(setting.subscriptionId, 10);
    consecutiveSoft = 1;
    // Counted since the setting last changed (an edit or an operator's resume starts again), on this card.
    for (const a of recent) {
      if (a.id === attempt.id || a.outcome === 'stripe_unavailable') continue;
      if (a.outcome !== 'soft_decline' || a.createdAt < setting.updatedAt || a.cardFingerprint !== attempt.cardFingerprint) break;
      consecutiveSoft += 1;
    }
    r = { ...r, retryAt: softDeclineRetryAt(consecutiveSoft, now) };
  }
  const credits = await packCreditsOf(deps.store, deps.topUps.packs, attempt, r.paymentIntentId);
  await deps.store.autoRecharge.finishAttempt(attempt.id, r, now, deps.events.forAutoRechargeAttempt(attempt, r, credits, now));
  const pause = pauseFor(attempt, r, consecutiveSoft, now);
  if (pause) {
    await deps.store.autoRecharge.setPause(
      setting.subscriptionId,
      pause,
      { subscriptionId: setting.subscriptionId, at: now, caller: 'system', change: { action: pause.kind, reason: pause.reason, attempt: attempt.id } },
      pause.kind === 'suspended' ? deps.events.forAutoRechargeSuspended(setting, pause.reason, now, attempt.id) : [],
    );
  }
  deps.events.queued();
  deps.onAttempt(r.outcome);
  const log = { subscriptionId: setting.subscriptionId, attemptId: attempt.id, amountMinor: attempt.amountMinor, currency: attempt.currency, outcome: r.outcome, reason: r.reason, paymentIntentId: r.paymentIntentId };
  if (r.outcome === 'succeeded' || r.outcome === 'processing') deps.logger.info(log, 'auto-recharge charged');
  else deps.logger.warn({ ...log, paused: pause?.kind ?? null }, 'auto-recharge attempt did not charge');
  return r;
}
