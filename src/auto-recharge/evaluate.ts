import type { AutoRechargeAttempt, AutoRechargeSetting } from '../store/auto-recharge-store.js';
import type { AutoRechargeDeps } from './auto-recharge-deps.js';
import { startOfUtcDay, startOfUtcMonth } from './calendar.js';
import { chargeAttempt } from './charge-attempt.js';
import { chooseCard } from './choose-card.js';
import { toMicro } from './credits.js';
import { CARD_ATTEMPTS_PER_30_DAYS, THIRTY_DAYS_MS } from './decline-class.js';
import { inFlightMicro } from './in-flight-credits.js';
import { settleOpenActions } from './open-actions.js';
import { packRechargeSize, rechargeSize } from './recharge-size.js';
import { ApiError } from '../http/api-error.js';
import { parseCredits } from '../packs/credit-amount.js';

/** An in-flight attempt not finished after this long belongs to a process that died: it is retaken (same idempotency key). */
export const STALE_ATTEMPT_MS = 5 * 60_000;

/** What one evaluation decided (also kept as the setting's last_reason). */
export type Decision =
  | 'not_found'
  | 'disabled'
  | 'paused'
  | 'no_balance'
  | 'above_threshold'
  | 'in_flight'
  | 'cooldown'
  | 'retry_later'
  | 'daily_limit'
  | 'cap_reached'
  | 'card_retry_limit'
  | 'no_usable_card'
  | 'customer_deleted'
  | 'pack_unavailable'
  | 'lost_race'
  | 'charged'
  | 'not_charged';

const attemptId = (subscriptionId: string, sequence: number) => `auto-recharge-${subscriptionId}-${sequence}`;

/**
 * Reads one subscription's balance and charges once if it is at or below the threshold. Safe to
 * run from any number of ticks, hints, edits and instances at once: the attempts are listed after
 * the balance was read, and the next sequence is claimed after the last attempt seen, so two
 * deciders of one crossing claim the same (subscription, sequence) and only one wins; a recharge
 * charged after the read shows in the in-flight credits or as an attempt in its cooldown.
 */
export async function evaluate(deps: AutoRechargeDeps, subscriptionId: string): Promise<Decision> {
  let setting = await deps.store.autoRecharge.get(subscriptionId);
  if (!setting) return 'not_found';
  if (!setting.enabled) return 'disabled';
  if (setting.pause) {
    if (!(await liftedByNewCard(deps, setting))) return done(deps, setting, 'paused', false);
    setting = { ...setting, pause: null, updatedAt: deps.now() };
  }

  const readAt = deps.now();
  const balance = await deps.moesif.getSubscriptionBalance(subscriptionId);
  if (!balance) return done(deps, setting, 'no_balance', false);
  const haveMicro = toMicro(balance.availableBalance) + (await inFlightMicro(deps, setting, readAt));
  // Listed only now, after the balance: an attempt that could have changed it is in this list.
  const attempts = await deps.store.autoRecharge.listAttempts(subscriptionId, 20);
  const last = attempts[0];
  const now = deps.now();
  if (last && (last.outcome === 'in_flight' || last.outcome === 'stripe_unavailable')) {
    return retake(deps, setting, last, now);
  }
  if (haveMicro > setting.thresholdMicro) return done(deps, setting, 'above_threshold', haveMicro <= nearThreshold(setting));
  // From when the attempt ended: one settled long after it began (completed by the customer) may not show in the balance yet.
  if (last && now < Math.max(last.createdAt, last.updatedAt) + deps.cooldownMs) return done(deps, setting, 'cooldown', true);
  if (last?.outcome === 'soft_decline' && last.retryAt !== null && now < last.retryAt) return done(deps, setting, 'retry_later', true);
  if ((await deps.store.autoRecharge.countSince(subscriptionId, startOfUtcDay(now))) >= setting.maxPerDay) {
    return done(deps, setting, 'daily_limit', false);
  }
  const limits = deps.limits[setting.currency];
  if (!limits) return done(deps, setting, 'not_charged', false);
  const chargedThisMonthMinor = await deps.store.autoRecharge.chargedSince(subscriptionId, setting.currency, startOfUtcMonth(now));
  let size: { kind: 'charge'; amountMinor: number; pack: AutoRechargeAttempt['pack'] } | { kind: 'cap_reached' };
  if (setting.packPriceId) {
    // The pack is read fresh from Stripe: one no longer on sale (or now in another currency) suspends.
    const pack = await packOnSale(deps, setting);
    if (!pack) {
      await pause(deps, setting, 'pack_unavailable', null);
      return done(deps, setting, 'pack_unavailable', false);
    }
    const packs = packRechargeSize({ setting, pack, haveMicro, chargedThisMonthMinor, maxMinor: limits.max });
    size = packs.kind === 'charge' ? { kind: 'charge', amountMinor: packs.amountMinor, pack: { priceId: setting.packPriceId, quantity: packs.quantity } } : packs;
  } else {
    const amount = rechargeSize({ setting, haveMicro, chargedThisMonthMinor, limits, rates: deps.creditRates });
    size = amount.kind === 'charge' ? { ...amount, pack: null } : amount;
  }
  if (size.kind === 'cap_reached') return done(deps, setting, 'cap_reached', false);

  const card = await chooseCard(deps, setting);
  if (card.kind === 'none') {
    await pause(deps, setting, card.reason, null);
    return done(deps, setting, card.reason, false);
  }
  if ((await deps.store.autoRecharge.countByFingerprintSince(card.fingerprint, now - THIRTY_DAYS_MS)) >= CARD_ATTEMPTS_PER_30_DAYS) {
    await pause(deps, setting, 'card_retry_limit', card.fingerprint);
    return done(deps, setting, 'card_retry_limit', false);
  }
  // A payment still waiting for the customer is canceled first (or, if they completed it, is this crossing's charge).
  if ((await settleOpenActions(deps, subscriptionId, 'superseded by a new recharge', attempts)) === 'charged') return done(deps, setting, 'charged', false);
  const sequence = (last?.sequence ?? 0) + 1;
  const attempt: AutoRechargeAttempt = {
    id: attemptId(subscriptionId, sequence),
    subscriptionId,
    sequence,
    customerId: setting.customerId,
    amountMinor: size.amountMinor,
    currency: setting.currency,
    pack: size.pack,
    paymentMethodId: card.paymentMethodId,
    cardFingerprint: card.fingerprint,
    outcome: 'in_flight',
    reason: null,
    declineCode: null,
    paymentIntentId: null,
    clientSecret: null,
    balanceMicro: haveMicro,
    retryAt: null,
    createdAt: now,
    updatedAt: now,
  };
  if (!(await deps.store.autoRecharge.claimAttempt(attempt))) return done(deps, setting, 'lost_race', true);
  const r = await chargeAttempt(deps, setting, attempt);
  return done(deps, setting, r.outcome === 'succeeded' || r.outcome === 'processing' ? 'charged' : 'not_charged', false);
}

/** The attempt of a process that died mid-charge, or one Stripe could not be reached for: charged again under its own id. */
async function retake(deps: AutoRechargeDeps, setting: AutoRechargeSetting, last: AutoRechargeAttempt, now: number): Promise<Decision> {
  const due = last.outcome === 'in_flight' ? last.updatedAt + STALE_ATTEMPT_MS : (last.retryAt ?? now);
  if (now < due) return done(deps, setting, 'in_flight', true);
  const updatedBefore = last.outcome === 'in_flight' ? now - STALE_ATTEMPT_MS + 1 : now + 1;
  if (!(await deps.store.autoRecharge.retakeAttempt(last.id, last.outcome, updatedBefore, now))) return done(deps, setting, 'lost_race', true);
  const r = await chargeAttempt(deps, setting, last);
  return done(deps, setting, r.outcome === 'succeeded' || r.outcome === 'processing' ? 'charged' : 'not_charged', false);
}

/** A paused setting resumes when the customer's card is now another one (a different fingerprint). */
async function liftedByNewCard(deps: AutoRechargeDeps, setting: AutoRechargeSetting): Promise<boolean> {
  const paused = setting.pause!;
  if (paused.reason === 'customer_deleted' || paused.reason === 'subscription_not_owned') return false;
  const card = await chooseCard(deps, setting);
  if (card.kind !== 'card' || card.fingerprint === paused.cardFingerprint) return false;
  await deps.store.autoRecharge.setPause(setting.subscriptionId, null, {
    subscriptionId: setting.subscriptionId,
    at: deps.now(),
    caller: 'system',
    change: { action: 'resumed', reason: 'payment method changed', was: paused.reason },
  });
  deps.logger.info({ subscriptionId: setting.subscriptionId, was: paused.reason }, 'auto-recharge resumed: the payment method changed');
  return true;
}

async function pause(deps: AutoRechargeDeps, setting: AutoRechargeSetting, reason: string, cardFingerprint: string | null): Promise<void> {
  const now = deps.now();
  await deps.store.autoRecharge.setPause(
    setting.subscriptionId,
    { kind: 'suspended', reason, cardFingerprint, paymentIntentId: null, since: now },
    { subscriptionId: setting.subscriptionId, at: now, caller: 'system', change: { action: 'suspended', reason } },
    deps.events.forAutoRechargeSuspended(setting, reason, now, null),
  );
  deps.events.queued();
  deps.logger.warn({ subscriptionId: setting.subscriptionId, reason }, 'auto-recharge suspended');
}

/** Within a quarter of a recharge above the threshold: look again sooner. */
function nearThreshold(setting: AutoRechargeSetting): number {
  const span = setting.mode === 'target' ? setting.targetMicro! - setting.thresholdMicro : setting.thresholdMicro;
  return setting.thresholdMicro + Math.max(0, Math.floor(span / 4));
}

/** Records the decision and when the scheduler looks next: a quarter of the interval when close, spread by a random factor. */
async function done(deps: AutoRechargeDeps, setting: AutoRechargeSetting, decision: Decision, soon: boolean): Promise<Decision> {
  const now = deps.now();
  const base = deps.intervalMs > 0 ? (soon ? deps.intervalMs / 4 : deps.intervalMs) : Number.MAX_SAFE_INTEGER / 2;
  const spread = 0.75 + 0.5 * (deps.random ?? Math.random)();
  await deps.store.autoRecharge.checked(setting.subscriptionId, now, decision, Math.floor(now + base * spread));
  return decision;
}

/** The setting's pack if it can still be bought in the setting's currency (price and exact credits), else null. */
async function packOnSale(deps: AutoRechargeDeps, setting: AutoRechargeSetting): Promise<{ amountMinor: number; microCredits: number } | null> {
  try {
    const pack = await deps.topUps.packs.resolve(setting.packPriceId!);
    const micro = parseCredits(pack.credits);
    if (pack.currency !== setting.currency || micro === null) return null;
    return { amountMinor: pack.amountMinor, microCredits: Number(micro) };
  } catch (err) {
    if (err instanceof ApiError && err.code === 'validation_failed') return null;
    throw err;
  }
}
