import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Store } from '../store/store.js';
import { pruneOldRows, type PruneResult } from './prune-old-rows.js';

const LEASE = 'retention';
const INTERVAL_MS = 3600 * 1000;
const FIRST_RUN_DELAY_MS = 60 * 1000;
const BATCH_SIZE = 500;
const MAX_BATCHES = 200;

export interface RetentionDeps {
  store: Store;
  now: () => number;
  logger: Logger;
  /** 0 = keep everything (nothing is ever deleted). */
  retentionDays: number;
  onRun?: (result: PruneResult) => void;
}

/**
 * Prunes old rows every hour. With several instances on one database a lease lets one of them
 * prune at a time (it renews the lease between batches and stops if it lost it).
 */
export class RetentionScheduler {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> | null = null;
  private stopped = false;
  private readonly owner = `instance-${randomUUID()}`;

  constructor(private readonly deps: RetentionDeps) {}

  start(firstDelayMs = FIRST_RUN_DELAY_MS): void {
    if (this.deps.retentionDays <= 0 || this.timer) return;
    this.stopped = false;
    this.schedule(firstDelayMs);
  }

  /** Stops scheduling; a pass in progress ends after its current batch. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
  }

  /** One pass now, if this instance holds (or takes) the lease; null when another one does. Deletes nothing with RETENTION_DAYS=0. */
  async runOnce(): Promise<PruneResult | null> {
    const { store, now } = this.deps;
    if (this.deps.retentionDays <= 0) return { events: 0, idempotencyKeys: 0, topUps: 0, deliveredOutbox: 0, deliveredEvents: 0, autoRechargeAttempts: 0, autoRechargeHistory: 0, rateLimits: 0, billingSessions: 0 };
    const lease = () => store.state.tryAcquireLease(LEASE, this.owner, INTERVAL_MS, now());
    if (!(await lease())) return null;
    const result = await pruneOldRows({
      store,
      now,
      retentionDays: this.deps.retentionDays,
      batchSize: BATCH_SIZE,
      maxBatches: MAX_BATCHES,
      between: async () => {
        await new Promise((resolve) => setImmediate(resolve));
        return !this.stopped && (await lease());
      },
    });
    this.deps.onRun?.(result);
    return result;
  }

  private schedule(delayMs: number): void {
    this.timer = setTimeout(() => {
      this.running = this.runOnce()
        .then((result) => {
          if (result) this.deps.logger.info(result, 'retention pass done');
        })
        .catch((err: unknown) => this.deps.logger.error({ err }, 'retention pass failed; will try again next interval'))
        .finally(() => {
          this.running = null;
          if (this.timer) this.schedule(INTERVAL_MS);
        });
    }, delayMs);
    this.timer.unref();
  }
}
