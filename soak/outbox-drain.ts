import type { ServiceInstance } from './service-instance.js';

export interface OutboxCounts {
  pending: number;
  delivered: number;
  failed: number;
  dead: number;
}

export interface DrainResult extends OutboxCounts {
  /** Nothing pending, twice in a row. */
  drained: boolean;
  /** Whether the counts could be read at all. */
  read: boolean;
  waitedMs: number;
}

/** The outbox counts from an instance's /metrics (topup_sync_outbox_entries{state}, read from the store at scrape time). */
export function outboxCountsFromMetrics(text: string): OutboxCounts | null {
  const counts: Partial<OutboxCounts> = {};
  for (const m of text.matchAll(/^topup_sync_outbox_entries\{state="(\w+)"\}\s+(\d+)/gm)) {
    const state = m[1] as keyof OutboxCounts;
    if (state === 'pending' || state === 'delivered' || state === 'failed' || state === 'dead') counts[state] = Number(m[2]);
  }
  if (counts.pending === undefined || counts.delivered === undefined) return null;
  return { pending: counts.pending, delivered: counts.delivered, failed: counts.failed ?? 0, dead: counts.dead ?? 0 };
}

/**
 * After every webhook was acknowledged (so every ledger entry is committed), waits until the
 * outbox has nothing pending, as read through a live instance, or until `deadline`.
 */
export async function waitForDrain(
  instances: readonly ServiceInstance[],
  deadline: number,
  onPoll: (counts: OutboxCounts) => void = () => {},
): Promise<DrainResult> {
  const started = Date.now();
  let last: OutboxCounts | null = null;
  let zeroInARow = 0;
  for (;;) {
    for (const instance of instances) {
      const text = await instance.metrics();
      const counts = text ? outboxCountsFromMetrics(text) : null;
      if (!counts) continue;
      last = counts;
      onPoll(counts);
      zeroInARow = counts.pending === 0 ? zeroInARow + 1 : 0;
      break;
    }
    if (zeroInARow >= 2 || Date.now() >= deadline) break;
    await new Promise((r) => setTimeout(r, 150));
  }
  return {
    pending: last?.pending ?? -1,
    delivered: last?.delivered ?? -1,
    failed: last?.failed ?? -1,
    dead: last?.dead ?? -1,
    drained: zeroInARow >= 2,
    read: last !== null,
    waitedMs: Date.now() - started,
  };
}
