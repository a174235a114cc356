import type { Store } from '../store/store.js';
import { retentionCutoffs, type RetainedKind } from './retention-policy.js';

export type PruneResult = Record<RetainedKind | 'rateLimits' | 'billingSessions', number>;

export interface PruneDeps {
  store: Store;
  now: () => number;
  retentionDays: number;
  /** Rows per delete statement: small, so no single write holds the database for long. */
  batchSize: number;
  /** Most batches per kind in one run; the rest waits for the next run. */
  maxBatches: number;
  /** Called between batches: yields to the event loop, and answers false once this instance should stop (lease lost). */
  between: () => Promise<boolean>;
}

/**
 * One retention pass: deletes rows older than their cutoff (RETENTION_DAYS, never below the
 * floors of retention-policy.ts) a batch at a time, oldest first, yielding between batches.
 * Undelivered outbox entries are never deleted.
 */
export async function pruneOldRows(deps: PruneDeps): Promise<PruneResult> {
  const cutoffs = retentionCutoffs(deps.retentionDays, deps.now());
  const { retention, rateLimits, billingSessions } = deps.store;
  const steps: [keyof PruneResult, (limit: number) => Promise<number>][] = [
    ['events', (limit) => retention.pruneEvents(cutoffs.events, limit)],
    ['idempotencyKeys', (limit) => retention.pruneIdempotencyKeys(cutoffs.idempotencyKeys, limit)],
    ['topUps', (limit) => retention.pruneTopUps(cutoffs.topUps, limit)],
    ['deliveredOutbox', (limit) => retention.pruneDeliveredOutbox(cutoffs.deliveredOutbox, limit)],
    ['deliveredEvents', (limit) => retention.pruneDeliveredEvents(cutoffs.deliveredEvents, limit)],
    ['autoRechargeAttempts', (limit) => retention.pruneAutoRechargeAttempts(cutoffs.autoRechargeAttempts, limit)],
    ['autoRechargeHistory', (limit) => retention.pruneAutoRechargeHistory(cutoffs.autoRechargeHistory, limit)],
    ['rateLimits', (limit) => rateLimits.pruneExpired(deps.now(), limit)],
    // Ended billing links and sessions (customer, subscription, return URL): expired is enough,
    // whatever RETENTION_DAYS says. Making a link also sweeps some, but only while links are made.
    ['billingSessions', (limit) => billingSessions.deleteExpired(deps.now(), limit)],
  ];
  const result: PruneResult = { events: 0, idempotencyKeys: 0, topUps: 0, deliveredOutbox: 0, deliveredEvents: 0, autoRechargeAttempts: 0, autoRechargeHistory: 0, rateLimits: 0, billingSessions: 0 };
  for (const [kind, prune] of steps) {
    for (let batch = 0; batch < deps.maxBatches; batch++) {
      const deleted = await prune(deps.batchSize);
      result[kind] += deleted;
      if (!(await deps.between())) return result;
      if (deleted < deps.batchSize) break;
    }
  }
  return result;
}
