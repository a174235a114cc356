import type { AutoRechargeSetting } from '../store/auto-recharge-store.js';
import type { AutoRechargeDeps } from './auto-recharge-deps.js';
import { parseCredits } from '../packs/credit-amount.js';
import { microCreditsFor } from './credits.js';

/** As GET /balance: processing payments younger than this are shown as arriving. */
const PROCESSING_WINDOW_MS = 14 * 24 * 3600 * 1000;

/**
 * Credits of this subscription that a balance read at `readAt` may not show yet, counted exactly
 * as GET /balance counts them: payments still processing, credits queued for Moesif, and credits
 * Moesif accepted after the read. In micro-credits.
 */
export async function inFlightMicro(deps: AutoRechargeDeps, setting: AutoRechargeSetting, readAt: number): Promise<number> {
  const { undelivered, recentlyDelivered, processing } = await deps.store.topUps.listInFlight(
    setting.customerId,
    deps.now() - PROCESSING_WINDOW_MS,
    readAt,
  );
  const mine = (subscriptionId: string | null) => (subscriptionId ?? setting.subscriptionId) === setting.subscriptionId;
  let micro = 0;
  // A pack's credits are fixed by what was bought; anything else is its amount at CREDIT_RATES.
  const creditsOf = (t: { amountMinor: number; currency: string; credits: string | null }) =>
    t.credits !== null ? Number(parseCredits(t.credits) ?? 0n) : microCreditsFor(t.amountMinor, t.currency, deps.creditRates);
  for (const t of processing) if (mine(t.subscriptionId)) micro += creditsOf(t);
  for (const e of [...undelivered, ...recentlyDelivered]) if (mine(e.subscriptionId)) micro += creditsOf(e);
  return micro;
}
