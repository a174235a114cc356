import type { Caller } from '../auth/caller.js';
import type { AutoRechargeDeps } from '../auto-recharge/auto-recharge-deps.js';
import { getSetting, putSetting } from '../auto-recharge/manage-setting.js';
import type { SettingBody } from '../auto-recharge/setting-request.js';
import type { SettingView } from '../auto-recharge/setting-view.js';
import { listLedger, type HistoryDeps, type ListView } from '../history/list-history.js';
import type { LedgerEntryView } from '../history/ledger-view.js';
import { ApiError } from '../http/api-error.js';
import { formatMinorUnits } from '../money/currencies.js';
import type { BillingScope } from '../store/store.js';
import type { RedirectConfirmation } from '../stripe/stripe-gateway.js';
import { AUTO_RECHARGE_TERMS_VERSION } from './auto-recharge-terms.js';

/**
 * The history and auto-recharge sections of the billing page: the public functions of history/
 * and auto-recharge/, scoped to the session's customer (and subscription), shaped for display.
 */
export interface BillingAccountDeps {
  history: HistoryDeps;
  autoRecharge: AutoRechargeDeps;
  stripe: { confirmWithRedirect(paymentIntentId: string, returnUrl: string): Promise<RedirectConfirmation> };
}

export type PageLedgerEntry = LedgerEntryView & { amount_decimal: string | null };

/** One page of the customer's ledger, newest first (as GET /ledger), with exact decimal amounts for display. */
export async function pageLedger(
  deps: BillingAccountDeps,
  caller: Caller,
  scope: BillingScope,
  page: { limit: number; startingAfter?: string },
): Promise<ListView<PageLedgerEntry>> {
  const list = await listLedger(deps.history, caller, scope.customerId, { ...page, subscriptionId: scope.subscriptionId ?? undefined });
  const data = list.data.map(
    (e): PageLedgerEntry => ({ ...e, amount_decimal: e.amount === null || e.currency === null ? null : formatMinorUnits(e.amount, e.currency) }),
  );
  return { ...list, data };
}

/** The setting as the page shows it: no client secret (the page completes payments without Stripe.js). */
function pageSetting(view: SettingView) {
  return { ...view, pause: view.pause && { reason: view.pause.reason, since: view.pause.since, payment_intent_id: view.pause.payment_intent_id } };
}
export type PageSetting = ReturnType<typeof pageSetting>;

/** The customer's setting, or null when they have none yet. */
export async function pageAutoRecharge(deps: BillingAccountDeps, caller: Caller, scope: BillingScope): Promise<PageSetting | null> {
  try {
    return pageSetting(await getSetting(deps.autoRecharge, caller, scope.customerId, scope.subscriptionId ?? undefined));
  } catch (err) {
    if (err instanceof ApiError && err.code === 'not_found') return null;
    throw err;
  }
}

/** The page's form, as PUT /auto-recharge would take it; the consent names the terms version the page showed. */
export type PageSettingBody = Omit<SettingBody, 'customer_id' | 'subscription_id' | 'payment_method'>;

export async function savePageAutoRecharge(deps: BillingAccountDeps, caller: Caller, scope: BillingScope, body: PageSettingBody): Promise<PageSetting> {
  if (body.consent && body.consent.terms_version !== AUTO_RECHARGE_TERMS_VERSION) {
    throw new ApiError('validation_failed', 'Invalid request: consent.terms_version: the terms have changed; reload the page and read them again', {
      fields: [{ field: 'consent.terms_version', problem: 'the terms have changed; reload the page and read them again' }],
    });
  }
  const view = await putSetting(deps.autoRecharge, caller, scope.customerId, { ...body, subscription_id: scope.subscriptionId ?? undefined });
  return pageSetting(view);
}

/**
 * "Complete payment" on a setting paused for 3-D Secure: the service confirms the waiting
 * PaymentIntent itself (no Stripe.js, no third-party script on the page) and the page sends the
 * browser to Stripe's authentication page; Stripe sends it back to `returnUrl`. The setting
 * resumes when payment_intent.succeeded arrives (auto-recharge/payment-completed.ts).
 */
export async function completeRechargePayment(
  deps: BillingAccountDeps,
  caller: Caller,
  scope: BillingScope,
  returnUrl: string,
): Promise<{ redirect_url: string } | { redirect_url: null; status: string }> {
  const setting = await getSetting(deps.autoRecharge, caller, scope.customerId, scope.subscriptionId ?? undefined);
  const paymentIntentId = setting.state === 'requires_action' ? setting.pause?.payment_intent_id : null;
  if (!paymentIntentId) throw new ApiError('not_found', 'No auto-recharge payment is waiting for you.');
  const confirmation = await deps.stripe.confirmWithRedirect(paymentIntentId, returnUrl);
  if (confirmation.customerId !== scope.customerId) throw new ApiError('not_found', 'No auto-recharge payment is waiting for you.');
  return confirmation.kind === 'redirect' ? { redirect_url: confirmation.url } : { redirect_url: null, status: confirmation.status };
}
