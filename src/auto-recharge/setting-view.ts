import type { AutoRechargeAttempt, AutoRechargeHistoryRow, AutoRechargeSetting } from '../store/auto-recharge-store.js';
import type { AutoRechargeDeps } from './auto-recharge-deps.js';
import { startOfUtcMonth } from './calendar.js';
import { fromMicro } from './credits.js';

export type AutoRechargeState = 'active' | 'requires_action' | 'suspended' | 'cap_reached' | 'disabled';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** One attempt as shown: reasons are our own codes (never Stripe's message text). */
function attemptView(a: AutoRechargeAttempt) {
  return {
    id: a.id,
    sequence: a.sequence,
    created_at: iso(a.createdAt),
    amount: a.amountMinor,
    currency: a.currency,
    ...(a.pack ? { pack: a.pack.priceId, pack_quantity: a.pack.quantity } : {}),
    outcome: a.outcome,
    reason: a.reason,
    decline_code: a.declineCode,
    payment_intent_id: a.paymentIntentId,
    next_retry_at: a.outcome === 'soft_decline' || a.outcome === 'stripe_unavailable' ? iso(a.retryAt) : null,
  };
}

const historyView = (h: AutoRechargeHistoryRow) => ({ at: iso(h.at), caller: h.caller, change: h.change });

/**
 * GET /auto-recharge: the setting, its state, what was charged this month, the last attempts
 * with their reasons, and the history of changes. The client secret of a payment waiting for
 * 3-D Secure is shown so the customer's page can complete it.
 */
export async function settingView(deps: AutoRechargeDeps, setting: AutoRechargeSetting) {
  const now = deps.now();
  const charged = await deps.store.autoRecharge.chargedSince(setting.subscriptionId, setting.currency, startOfUtcMonth(now));
  const attempts = await deps.store.autoRecharge.listAttempts(setting.subscriptionId, 10);
  const history = await deps.store.autoRecharge.history(setting.subscriptionId, 20);
  const limits = deps.limits[setting.currency];
  const pack = setting.packPriceId ? (await deps.topUps.packs.list().catch(() => [])).find((p) => p.priceId === setting.packPriceId) : undefined;
  const smallest = setting.packPriceId ? (pack?.amountMinor ?? limits?.min ?? 1) : setting.mode === 'fixed' ? setting.amountMinor! : (limits?.min ?? 1);
  const state: AutoRechargeState = !setting.enabled
    ? 'disabled'
    : setting.pause
      ? setting.pause.kind
      : setting.monthlyCapMinor - charged < smallest
        ? 'cap_reached'
        : 'active';
  const waiting = setting.pause?.kind === 'requires_action' ? attempts.find((a) => a.paymentIntentId === setting.pause!.paymentIntentId) : undefined;
  return {
    customer_id: setting.customerId,
    subscription_id: setting.subscriptionId,
    enabled: setting.enabled,
    state,
    threshold: fromMicro(setting.thresholdMicro),
    mode: setting.mode,
    ...(setting.mode === 'fixed' ? (setting.packPriceId ? {} : { amount: setting.amountMinor }) : { target_balance: fromMicro(setting.targetMicro!) }),
    currency: setting.currency,
    ...(setting.packPriceId ? { pack: setting.packPriceId } : {}),
    payment_method: setting.paymentMethodId,
    monthly_cap: setting.monthlyCapMinor,
    max_per_day: setting.maxPerDay,
    charged_this_month: charged,
    consent: setting.consent
      ? { terms_version: setting.consent.termsVersion, accepted_at: iso(setting.consent.acceptedAt), caller: setting.consent.caller }
      : null,
    pause: setting.pause
      ? {
          reason: setting.pause.reason,
          since: iso(setting.pause.since),
          payment_intent_id: setting.pause.paymentIntentId,
          ...(waiting?.clientSecret ? { client_secret: waiting.clientSecret } : {}),
        }
      : null,
    last_check: { at: iso(setting.lastCheckedAt), decision: setting.lastReason },
    attempts: attempts.map(attemptView),
    history: history.map(historyView),
  };
}

export type SettingView = Awaited<ReturnType<typeof settingView>>;
