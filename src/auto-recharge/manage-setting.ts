import type { Caller } from '../auth/caller.js';
import { mayActFor } from '../auth/caller.js';
import { ApiError } from '../http/api-error.js';
import type { AutoRechargeSetting } from '../store/auto-recharge-store.js';
import { companyIdOf } from '../top-ups/create-top-up.js';
import type { AutoRechargeDeps } from './auto-recharge-deps.js';
import { toMicro } from './credits.js';
import { evaluate } from './evaluate.js';
import { settleOpenActions } from './open-actions.js';
import type { SettingBody } from './setting-request.js';
import { settingView, type SettingView } from './setting-view.js';

const callerText = (caller: Caller) => `${caller.kind}:${caller.id}`;

/** The customer's subscription a request means: named (and owned), else the only active one (as /top-up and /balance). */
export async function resolveSubscription(deps: AutoRechargeDeps, caller: Caller, customerId: string, requested: string | undefined): Promise<string> {
  if (!mayActFor(caller, customerId)) throw new ApiError('forbidden', 'You may only manage your own auto-recharge.');
  if (requested) {
    await deps.topUps.ownership.assertOwned(caller, customerId, requested);
    return requested;
  }
  const active = await deps.topUps.stripe.listActiveSubscriptionIds(customerId);
  if (active.length === 1) return active[0]!;
  throw new ApiError(
    'subscription_unresolved',
    active.length === 0 ? 'The customer has no active subscription.' : `The customer has ${active.length} active subscriptions; pass subscription_id.`,
  );
}

/** A stored setting of this customer, or 404 (never another customer's). */
async function ownSetting(deps: AutoRechargeDeps, customerId: string, subscriptionId: string): Promise<AutoRechargeSetting> {
  const setting = await deps.store.autoRecharge.get(subscriptionId);
  if (!setting || setting.customerId !== customerId) throw new ApiError('not_found', 'No auto-recharge setting for this subscription.');
  return setting;
}

const COMPARED = ['enabled', 'thresholdMicro', 'mode', 'amountMinor', 'targetMicro', 'currency', 'packPriceId', 'paymentMethodId', 'monthlyCapMinor', 'maxPerDay'] as const;

/** { field: [before, after] } for each field that changed (the history row). */
function changes(before: AutoRechargeSetting | null, after: AutoRechargeSetting): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of COMPARED) if (before?.[k] !== after[k]) out[k] = [before?.[k] ?? null, after[k]];
  if (after.consent && after.consent !== before?.consent) out.consent = { terms_version: after.consent.termsVersion };
  if (!before) out.action = 'created';
  return out;
}

/**
 * PUT /auto-recharge: stores the setting with who consented and a history row, then evaluates it
 * at once (a balance already below the threshold is recharged now). Editing the payment method
 * of a paused setting leaves the pause to the next evaluation, which lifts it if the card changed.
 */
export async function putSetting(deps: AutoRechargeDeps, caller: Caller, customerId: string, body: SettingBody): Promise<SettingView> {
  const subscriptionId = await resolveSubscription(deps, caller, customerId, body.subscription_id);
  const customer = await deps.topUps.stripe.getCustomer(customerId);
  if (!customer || customer.deleted) throw new ApiError('customer_not_found', 'No such Stripe customer.');
  if (body.payment_method) await assertCustomersCard(deps, customerId, body.payment_method);
  if (body.pack) await assertPackFits(deps, body);
  let before = await deps.store.autoRecharge.get(subscriptionId);
  if (before && before.customerId !== customerId) throw new ApiError('forbidden', 'You may only manage your own auto-recharge.');
  if (before && !body.enabled) {
    // Turned off: a payment still waiting for the customer must not charge afterwards.
    await settleOpenActions(deps, subscriptionId, 'auto-recharge disabled');
    before = await deps.store.autoRecharge.get(subscriptionId);
  }
  const now = deps.now();
  const setting: AutoRechargeSetting = {
    subscriptionId,
    customerId,
    companyId: companyIdOf(customer, deps.topUps.companyIdMetadataKey),
    enabled: body.enabled,
    thresholdMicro: toMicro(body.threshold),
    mode: body.mode,
    amountMinor: body.mode === 'fixed' ? body.amount! : null,
    targetMicro: body.mode === 'target' ? toMicro(body.target_balance!) : null,
    currency: body.currency,
    packPriceId: body.pack ?? null,
    paymentMethodId: body.payment_method ?? null,
    monthlyCapMinor: body.monthly_cap,
    maxPerDay: body.max_per_day,
    consent: body.consent ? { termsVersion: body.consent.terms_version, acceptedAt: now, caller: callerText(caller) } : (before?.consent ?? null),
    // Saving checked the pack is on sale: a suspension because it was not is over.
    pause: before?.pause?.reason === 'pack_unavailable' ? null : (before?.pause ?? null),
    nextCheckAt: now,
    lastCheckedAt: before?.lastCheckedAt ?? null,
    lastReason: before?.lastReason ?? null,
    createdAt: before?.createdAt ?? now,
    updatedAt: now,
  };
  await deps.store.autoRecharge.put(setting, { subscriptionId, at: now, caller: callerText(caller), change: changes(before, setting) });
  deps.logger.info({ subscriptionId, enabled: setting.enabled }, 'auto-recharge setting saved');
  if (setting.enabled) {
    try {
      await evaluate(deps, subscriptionId);
    } catch (err) {
      // Saved either way; the scheduler evaluates it again shortly.
      deps.logger.warn({ err, subscriptionId }, 'auto-recharge evaluation after an edit failed');
    }
  }
  return settingView(deps, (await deps.store.autoRecharge.get(subscriptionId))!);
}

/**
 * A setting's pack is checked with Stripe as /top-up checks one (on sale, one-time, a credit
 * pack: else 400 naming `pack`), and must be priced in the setting's currency, with a monthly cap
 * of at least one pack (a Price's unit amount never changes, so this holds at every recharge).
 */
async function assertPackFits(deps: AutoRechargeDeps, body: SettingBody): Promise<void> {
  const pack = await deps.topUps.packs.resolve(body.pack!, 'pack');
  const refuse = (field: string, problem: string) => {
    throw new ApiError('validation_failed', `Invalid request: ${field}: ${problem}`, { fields: [{ field, problem }] });
  };
  if (pack.currency !== body.currency) refuse('pack', `is priced in ${pack.currency}, not ${body.currency}`);
  if (body.monthly_cap < pack.amountMinor) refuse('monthly_cap', `must allow at least one pack (${pack.amountMinor} ${body.currency} minor units)`);
}

/** An explicit payment_method must be a card saved to this customer (asked of Stripe): else 422, nothing stored. */
async function assertCustomersCard(deps: AutoRechargeDeps, customerId: string, paymentMethodId: string): Promise<void> {
  const owner = await deps.stripe.paymentMethodCustomer(paymentMethodId);
  if (owner === customerId) return;
  const problem = owner === 'missing' ? 'no such payment method' : "not one of this customer's saved payment methods";
  throw new ApiError('no_payment_method', `payment_method: ${problem}`, { fields: [{ field: 'payment_method', problem }] });
}

export async function getSetting(deps: AutoRechargeDeps, caller: Caller, customerId: string, requested: string | undefined): Promise<SettingView> {
  const subscriptionId = await resolveSubscription(deps, caller, customerId, requested);
  return settingView(deps, await ownSetting(deps, customerId, subscriptionId));
}

/** DELETE /auto-recharge: removes the setting (its attempts and history stay, with this deletion). */
export async function deleteSetting(deps: AutoRechargeDeps, caller: Caller, customerId: string, requested: string | undefined): Promise<void> {
  const subscriptionId = await resolveSubscription(deps, caller, customerId, requested);
  await ownSetting(deps, customerId, subscriptionId);
  // Deleted: a payment still waiting for the customer must not charge afterwards.
  await settleOpenActions(deps, subscriptionId, 'auto-recharge deleted');
  await deps.store.autoRecharge.remove(subscriptionId, { subscriptionId, at: deps.now(), caller: callerText(caller), change: { action: 'deleted' } });
  deps.logger.info({ subscriptionId }, 'auto-recharge setting deleted');
}
