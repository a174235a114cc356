import type { AutoRechargeSetting, AutoRechargeStore } from '../store/auto-recharge-store.js';

/** Paused auto-recharge settings, for an operator (npm run admin, GET /admin/auto-recharge). */
export async function listPausedSettings(store: AutoRechargeStore, kind: 'suspended' | 'requires_action', limit: number) {
  const settings = await store.listPaused(kind, limit);
  return settings.map((s: AutoRechargeSetting) => ({
    subscription_id: s.subscriptionId,
    customer_id: s.customerId,
    state: kind,
    reason: s.pause!.reason,
    since: new Date(s.pause!.since).toISOString(),
    last_check: s.lastReason,
  }));
}

/**
 * Lifts a pause (after the operator talked to the customer). The soft-decline count starts again
 * from the next attempt; the per-card 30-day limit still applies. False when it was not paused.
 */
export async function resumeSetting(store: AutoRechargeStore, subscriptionId: string, operator: string, now: number): Promise<boolean> {
  const setting = await store.get(subscriptionId);
  if (!setting?.pause) return false;
  await store.setPause(subscriptionId, null, { subscriptionId, at: now, caller: operator, change: { action: 'resumed', was: setting.pause.reason } });
  return true;
}
