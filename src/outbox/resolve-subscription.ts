import type { ClaimedEntry } from '../ledger/ledger-entry.js';

export interface SubscriptionLookup {
  listActiveSubscriptionIds(customerId: string): Promise<string[]>;
}

export type SubscriptionResolution = { kind: 'resolved'; subscriptionId: string } | { kind: 'unresolvable'; reason: string };

/**
 * The Moesif subscription an entry credits: the one named at top-up time, else the customer's
 * only active Stripe subscription. None or several is never guessed: the entry is parked with
 * the reason, for an operator to fix and replay.
 */
export async function resolveSubscription(
  lookup: SubscriptionLookup,
  entry: ClaimedEntry,
): Promise<SubscriptionResolution> {
  if (entry.subscriptionId) return { kind: 'resolved', subscriptionId: entry.subscriptionId };
  const ids = await lookup.listActiveSubscriptionIds(entry.customerId);
  if (ids.length === 1) return { kind: 'resolved', subscriptionId: ids[0]! };
  if (ids.length === 0) {
    return { kind: 'unresolvable', reason: `customer ${entry.customerId} has no active subscription to credit` };
  }
  return {
    kind: 'unresolvable',
    reason: `customer ${entry.customerId} has ${ids.length} active subscriptions; name subscription_id at top-up time`,
  };
}
