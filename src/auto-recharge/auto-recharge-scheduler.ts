import { randomUUID } from 'node:crypto';
import type { AutoRechargeDeps } from './auto-recharge-deps.js';
import { evaluate } from './evaluate.js';

const LEASE = 'auto-recharge';
/** Subscriptions evaluated per tick, and at once. */
const BATCH = 200;
const CONCURRENCY = 8;

/**
 * Reads the balances of enabled subscriptions whose check is due (each check spread over the
 * interval; sooner after a reading close to the threshold), on one instance at a time (a lease in
 * the store, as reconciliation). The lease only saves work: deciding to charge is race-safe on its
 * own (evaluate.ts). `runOnce()` is one tick, driven directly by tests with an injected clock.
 */
export class AutoRechargeScheduler {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> | null = null;
  private readonly owner = `instance-${randomUUID()}`;

  constructor(
    private readonly deps: AutoRechargeDeps,
    /** How often to look for due checks (real time). */
    private readonly tickMs: number,
  ) {}

  start(): void {
    if (this.deps.intervalMs <= 0 || this.timer) return;
    this.schedule();
  }

  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
  }

  private schedule(): void {
    this.timer = setTimeout(() => {
      this.running = this.runOnce().finally(() => {
        this.running = null;
        if (this.timer) this.schedule();
      });
    }, this.tickMs);
    this.timer.unref();
  }

  /** One tick: takes (or keeps) the lease, then evaluates every due subscription. Returns how many were evaluated. */
  async runOnce(): Promise<number> {
    const { store, logger } = this.deps;
    try {
      const now = this.deps.now();
      if (!(await store.state.tryAcquireLease(LEASE, this.owner, Math.max(3 * this.tickMs, 30_000), now))) return 0;
      const due = await store.autoRecharge.listDue(now, BATCH);
      let next = 0;
      const worker = async () => {
        while (next < due.length) {
          const setting = due[next++]!;
          try {
            await evaluate(this.deps, setting.subscriptionId);
          } catch (err) {
            logger.warn({ err, subscriptionId: setting.subscriptionId }, 'auto-recharge evaluation failed; will try again next interval');
            // Moesif or Stripe unreachable: look again in an interval, not at every tick.
            await store.autoRecharge.checked(setting.subscriptionId, now, 'evaluation_failed', now + this.deps.intervalMs).catch(() => undefined);
          }
        }
      };
      await Promise.all(Array.from({ length: Math.min(CONCURRENCY, due.length) }, worker));
      return due.length;
    } catch (err) {
      logger.error({ err }, 'auto-recharge tick failed; will try again');
      return 0;
    }
  }
}
