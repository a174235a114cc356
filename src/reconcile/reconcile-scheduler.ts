import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { reconcileEvents, type ReconcileDeps, type ReconcileResult } from './reconcile-events.js';

const LEASE = 'reconcile';

/**
 * Runs the reconciliation sweep every `intervalMs` (first run shortly after start). With several
 * instances on one database, a lease lets only one of them sweep per interval.
 */
export class ReconcileScheduler {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private readonly owner = `instance-${randomUUID()}`;

  constructor(
    private readonly deps: ReconcileDeps,
    private readonly intervalMs: number,
    private readonly logger: Logger,
    private readonly onRun: (result: ReconcileResult | null, error: unknown) => void = () => {},
  ) {}

  start(firstDelayMs = 5_000): void {
    if (this.intervalMs <= 0 || this.timer) return;
    this.schedule(firstDelayMs);
  }

  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
  }

  private schedule(delayMs: number): void {
    this.timer = setTimeout(() => {
      this.running = this.tick().finally(() => {
        this.running = null;
        if (this.timer) this.schedule(this.intervalMs);
      });
    }, delayMs);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    try {
      const mine = await this.deps.store.state.tryAcquireLease(LEASE, this.owner, this.intervalMs, this.deps.now());
      if (!mine) return;
      const result = await reconcileEvents(this.deps);
      this.onRun(result, null);
      this.logger.info(result, 'reconciliation sweep done');
    } catch (err) {
      this.onRun(null, err);
      this.logger.error({ err }, 'reconciliation sweep failed; will try again next interval');
    }
  }
}
