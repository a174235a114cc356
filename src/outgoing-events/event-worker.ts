import type { Logger } from 'pino';
import { retryDelayMs, type BackoffPolicy } from '../outbox/backoff.js';
import type { ClaimedOutgoingEvent, Store } from '../store/store.js';
import type { EventSender } from './event-sender.js';

export interface EventWorkerDeps {
  store: Pick<Store, 'eventsOut'>;
  sender: Pick<EventSender, 'send'>;
  /** The destinations configured now; an event for another one (removed since) is kept as dead. */
  destinations: readonly string[];
  policy: BackoffPolicy & { maxAttempts: number };
  pollIntervalMs: number;
  leaseMs: number;
  /** Deliveries in flight at once, across destinations. */
  concurrency: number;
  now: () => number;
  logger: Logger;
  /** Counts each attempt's result (metrics). */
  onAttempt?: (result: 'delivered' | 'retry' | 'dead') => void;
}

/** A destination as logs may show it: its origin only (a path or query can hold a token). */
function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return '(invalid url)';
  }
}

/**
 * Delivers outgoing events: claims due ones (the store hands out only the oldest pending event of
 * each customer and destination, so a receiver that was down gets a customer's events in order),
 * sends them, records the outcome; retries with the outbox's backoff (exponential, jitter, cap,
 * Retry-After as a floor) until `maxAttempts`, then keeps the event as dead.
 */
export class EventWorker {
  private running = false;
  private loop: Promise<void> | null = null;
  private readonly inFlight = new Set<Promise<void>>();
  private wake: (() => void) | null = null;
  private kicked = false;

  constructor(private readonly deps: EventWorkerDeps) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  kick(): void {
    this.kicked = true;
    this.wake?.();
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.wake?.();
    await this.loop;
    await Promise.allSettled([...this.inFlight]);
  }

  private sleep(ms: number): Promise<void> {
    if (this.kicked) {
      this.kicked = false;
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      this.wake = done;
      function done() {
        clearTimeout(timer);
        resolve();
      }
    }).finally(() => {
      this.wake = null;
      this.kicked = false;
    });
  }

  private async run(): Promise<void> {
    const { store, concurrency, leaseMs, pollIntervalMs, now, logger } = this.deps;
    while (this.running) {
      const free = concurrency - this.inFlight.size;
      if (free > 0) {
        try {
          for (const event of await store.eventsOut.claimDue(now(), free, leaseMs)) {
            const p: Promise<void> = this.deliver(event)
              .catch((err: unknown) => logger.error({ err, eventId: event.eventId }, 'outgoing event bookkeeping failed'))
              .finally(() => {
                this.inFlight.delete(p);
                // The customer's next event may be due now.
                this.kick();
              });
            this.inFlight.add(p);
          }
        } catch (err) {
          logger.error({ err }, 'outgoing event claim failed; will retry');
        }
      }
      await this.sleep(pollIntervalMs);
    }
  }

  private async deliver(event: ClaimedOutgoingEvent): Promise<void> {
    const { store, policy, now, logger } = this.deps;
    const at = { eventId: event.eventId, type: event.type, destination: originOf(event.destination), attempt: event.attempts + 1 };
    if (!this.deps.destinations.includes(event.destination)) {
      await store.eventsOut.markDead(event, { error: 'destination no longer configured in EVENT_WEBHOOK_URLS', status: null }, now());
      logger.warn(at, 'outgoing event dead: destination no longer configured');
      return;
    }
    const outcome = await this.deps.sender.send(event.destination, event.eventId, event.payload, now());
    if (outcome.kind === 'delivered') {
      await store.eventsOut.markDelivered(event, now());
      this.deps.onAttempt?.('delivered');
      logger.info({ ...at, status: outcome.status }, 'outgoing event delivered');
      return;
    }
    const attempts = event.attempts + 1;
    if (outcome.kind === 'dead' || attempts >= policy.maxAttempts) {
      const error = outcome.kind === 'dead' ? outcome.error : `gave up after ${attempts} attempts: ${outcome.error}`;
      await store.eventsOut.markDead(event, { error, status: outcome.status }, now());
      this.deps.onAttempt?.('dead');
      logger.error({ ...at, status: outcome.status }, 'outgoing event dead');
      return;
    }
    const delay = retryDelayMs(attempts, policy, outcome.retryAfterMs);
    await store.eventsOut.scheduleRetry(event, { error: outcome.error, status: outcome.status }, now() + delay, now());
    this.deps.onAttempt?.('retry');
    logger.warn({ ...at, status: outcome.status, retryInMs: delay }, 'outgoing event delivery failed: will retry');
  }
}
