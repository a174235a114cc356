import type { AutoRechargeAttempt, AutoRechargeHistoryRow, AutoRechargeSetting } from './auto-recharge-store.js';
import type { Row } from './rows.js';

const num = (v: unknown): number => Number(v);
const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
const strOrNull = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

export function toSetting(r: Row): AutoRechargeSetting {
  return {
    subscriptionId: r.subscription_id as string,
    customerId: r.customer_id as string,
    companyId: r.company_id as string,
    enabled: r.enabled === 1 || r.enabled === true,
    thresholdMicro: num(r.threshold_micro),
    mode: r.mode as AutoRechargeSetting['mode'],
    amountMinor: numOrNull(r.amount_minor),
    targetMicro: numOrNull(r.target_micro),
    currency: r.currency as string,
    paymentMethodId: strOrNull(r.payment_method_id),
    packPriceId: strOrNull(r.pack_price_id),
    monthlyCapMinor: num(r.monthly_cap_minor),
    maxPerDay: num(r.max_per_day),
    consent:
      r.consent_terms_version == null
        ? null
        : { termsVersion: String(r.consent_terms_version), acceptedAt: num(r.consent_at), caller: String(r.consent_caller) },
    pause:
      r.pause_kind == null
        ? null
        : {
            kind: r.pause_kind as 'requires_action' | 'suspended',
            reason: String(r.pause_reason),
            cardFingerprint: strOrNull(r.pause_fingerprint),
            paymentIntentId: strOrNull(r.pause_payment_intent_id),
            since: num(r.pause_since),
          },
    nextCheckAt: num(r.next_check_at),
    lastCheckedAt: numOrNull(r.last_checked_at),
    lastReason: strOrNull(r.last_reason),
    createdAt: num(r.created_at),
    updatedAt: num(r.updated_at),
  };
}

/** Named parameters of a setting row (SQLite names them, PostgreSQL takes them in this order). */
export function settingParams(s: AutoRechargeSetting) {
  return {
    subscription_id: s.subscriptionId,
    customer_id: s.customerId,
    company_id: s.companyId,
    enabled: s.enabled ? 1 : 0,
    threshold_micro: s.thresholdMicro,
    mode: s.mode,
    amount_minor: s.amountMinor,
    target_micro: s.targetMicro,
    currency: s.currency,
    payment_method_id: s.paymentMethodId,
    pack_price_id: s.packPriceId,
    monthly_cap_minor: s.monthlyCapMinor,
    max_per_day: s.maxPerDay,
    consent_terms_version: s.consent?.termsVersion ?? null,
    consent_at: s.consent?.acceptedAt ?? null,
    consent_caller: s.consent?.caller ?? null,
    pause_kind: s.pause?.kind ?? null,
    pause_reason: s.pause?.reason ?? null,
    pause_fingerprint: s.pause?.cardFingerprint ?? null,
    pause_payment_intent_id: s.pause?.paymentIntentId ?? null,
    pause_since: s.pause?.since ?? null,
    next_check_at: s.nextCheckAt,
    last_checked_at: s.lastCheckedAt,
    last_reason: s.lastReason,
    created_at: s.createdAt,
    updated_at: s.updatedAt,
  };
}

export const SETTING_COLUMNS = Object.keys(settingParams({} as AutoRechargeSetting));

export function toAttempt(r: Row): AutoRechargeAttempt {
  return {
    id: r.id as string,
    subscriptionId: r.subscription_id as string,
    sequence: num(r.sequence),
    customerId: r.customer_id as string,
    amountMinor: num(r.amount_minor),
    currency: r.currency as string,
    pack: r.pack_price_id == null ? null : { priceId: String(r.pack_price_id), quantity: num(r.pack_quantity) },
    paymentMethodId: strOrNull(r.payment_method_id),
    cardFingerprint: strOrNull(r.card_fingerprint),
    outcome: r.outcome as AutoRechargeAttempt['outcome'],
    reason: strOrNull(r.reason),
    declineCode: strOrNull(r.decline_code),
    paymentIntentId: strOrNull(r.payment_intent_id),
    clientSecret: strOrNull(r.client_secret),
    balanceMicro: num(r.balance_micro),
    retryAt: numOrNull(r.retry_at),
    createdAt: num(r.created_at),
    updatedAt: num(r.updated_at),
  };
}

export function attemptParams(a: AutoRechargeAttempt) {
  return {
    id: a.id,
    subscription_id: a.subscriptionId,
    sequence: a.sequence,
    customer_id: a.customerId,
    amount_minor: a.amountMinor,
    currency: a.currency,
    pack_price_id: a.pack?.priceId ?? null,
    pack_quantity: a.pack?.quantity ?? null,
    payment_method_id: a.paymentMethodId,
    card_fingerprint: a.cardFingerprint,
    outcome: a.outcome,
    reason: a.reason,
    decline_code: a.declineCode,
    payment_intent_id: a.paymentIntentId,
    client_secret: a.clientSecret,
    balance_micro: a.balanceMicro,
    retry_at: a.retryAt,
    created_at: a.createdAt,
    updated_at: a.updatedAt,
  };
}

export const ATTEMPT_COLUMNS = Object.keys(attemptParams({} as AutoRechargeAttempt));

export function toHistory(r: Row): AutoRechargeHistoryRow {
  return {
    subscriptionId: r.subscription_id as string,
    at: num(r.at),
    caller: r.caller as string,
    change: JSON.parse(r.change as string) as Record<string, unknown>,
  };
}
