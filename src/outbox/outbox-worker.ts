import type { Logger } from 'pino';
import type { Config } from '../config/config.js';
import type { ClaimedEntry } from '../ledger/ledger-entry.js';
import { deliverEntry, type DeliveryDeps } from './deliver-entry.js';
import type { MoesifBreaker } from './moesif-breaker.js';

/**
 * Drains the outbox in this process: claims due entries and delivers up to `concurrency` at once.
 * Woken early by kick() when a webhook or top-up queues something; otherwise polls.
 *
 * Claims are leased for `leaseMs` and the leases of deliveries still running are renewed every
 * third of it: another instance takes over a dead one's claims within about `leaseMs`, and never
 * those of a slow delivery (a Moesif call near its timeout, a slow subscription lookup). Should a
 * renewal fail (the store unreachable) and another instance take a claim over, both may post the
 * same transaction: Moesif keeps one per `transaction_id`.
 */
export class OutboxWorker {
  private running = false;
  private loop: Promise<void> | null = null;
  private readonly inFlight = new Set<Promise<unknown>>();
  private wake: (() => void) | null = null;
  private kicked = false;
  /** Claims being delivered, whose leases the renewal timer extends. */
  private readonly claims = new Set<ClaimedEntry>();
  private renewal: NodeJS.Timeout | null = null;
  private renewing: Promise<void> | null = null;

  constructor(
    private readonly deps: DeliveryDeps & { breaker: MoesifBreaker },
    private readonly settings: Config['outbox'],
    private readonly logger: Logger,
  ) {}

  private get breaker(): MoesifBreaker {
    return this.deps.breaker;
  }

  get isRunning(): boolean {
    return this.running;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
    this.renewal = setInterval(() => {
      this.renewing ??= this.renewLeases().finally(() => {
        this.renewing = null;
      });
    }, Math.max(1, Math.floor(this.settings.leaseMs / 3)));
    this.renewal.unref();
  }

  private async renewLeases(): Promise<void> {
    if (this.claims.size === 0) return;
    try {
      await this.deps.store.outbox.renewLeases([...this.claims], this.deps.now() + this.settings.leaseMs);
    } catch (err) {
      this.logger.warn({ err, claims: this.claims.size }, 'renewing delivery leases failed; will retry');
    }
  }

  /** Something was queued: look now instead of at the next poll. */
  kick(): void {
    this.kicked = true;
    this.wake?.();
  }

  /** Stops claiming, waits for deliveries in flight to be recorded. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.wake?.();
    await this.loop;
    await Promise.allSettled([...this.inFlight]);
    if (this.renewal) clearInterval(this.renewal);
    this.renewal = null;
    await this.renewing;
  }

  private sleep(ms: number): Promise<void> {
    if (this.kicked) {
      this.kicked = false;
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      const wake = () => done();
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = wake;
    }).finally(() => {
      this.wake = null;
      this.kicked = false;
    });
  }

  private async run(): Promise<void> {
    const { concurrency, batchSize, leaseMs, pollIntervalMs } = this.settings;
    // Claim in batches once a few slots are free, rather than one query per finished delivery.
    const minClaim = Math.max(1, Math.min(batchSize, Math.floor(concurrency / 4)));
    while (this.running) {
      const slots = this.breaker.allowance(this.deps.now(), concurrency);
      // With Moesif answering, up to a batch more than `concurrency` are claimed: those wait for a
      // connection in the HTTP agent's pool (`concurrency` sockets, so Moesif still sees at most
      // that many requests at once), and one finishing is followed by the next at once, without a
      // turn of this loop or a claim in between. The leases of waiting ones are renewed like the rest.
      const allowed = slots < concurrency ? slots : concurrency + Math.min(batchSize, concurrency);
      const free = allowed - this.inFlight.size;
      let claimed = 0;
      if (free > 0 && (free >= Math.min(minClaim, allowed) || this.inFlight.size === 0)) {
        try {
          const entries = await this.deps.store.outbox.claimDue(this.deps.now(), Math.min(free, batchSize), leaseMs);
          claimed = entries.length;
          for (const entry of entries) {
            this.claims.add(entry);
            const p: Promise<unknown> = deliverEntry(this.deps, entry)
              .catch((err: unknown) => this.logger.error({ err, transactionId: entry.transactionId }, 'delivery bookkeeping failed'))
              .finally(() => {
                this.claims.delete(entry);
                this.inFlight.delete(p);
                this.kick();
              });
            this.inFlight.add(p);
          }
        } catch (err) {
          this.logger.error({ err }, 'outbox claim failed; will retry');
        }
      }
      // A full claim suggests more is due; otherwise wait for a kick, the next poll, or the
      // breaker's next probe.
      if (claimed === 0 || this.inFlight.size >= allowed) {
        const breakerWait = this.breaker.waitMs(this.deps.now());
        await this.sleep(breakerWait > 0 ? Math.min(breakerWait, pollIntervalMs) : pollIntervalMs);
      }
    }
  }
}
