import { creditsForQuantity } from '../packs/credit-amount.js';
import type { AutoRechargeAttempt } from '../store/auto-recharge-store.js';
import type { Store } from '../store/store.js';
import type { PackCatalog } from '../packs/pack-catalog.js';

/**
 * The credits an attempt buys when they are fixed by a pack: as its top-up recorded them, else
 * from the pack on sale (quantity × moesif_credits). Null for an amount (the outgoing event then
 * converts it at CREDIT_RATES) or a pack no longer listed.
 */
export async function packCreditsOf(store: Store, packs: PackCatalog | null, attempt: AutoRechargeAttempt, paymentIntentId: string | null): Promise<number | null> {
  if (!attempt.pack) return null;
  const recorded = paymentIntentId ? (await store.topUps.get(paymentIntentId))?.credits : null;
  if (recorded) return Number(recorded);
  const pack = packs ? (await packs.list().catch(() => [])).find((p) => p.priceId === attempt.pack!.priceId) : undefined;
  return pack ? Number(creditsForQuantity(pack.credits, attempt.pack.quantity)) : null;
}
