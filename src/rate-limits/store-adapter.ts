import type { IncrementResponse, Options, Store } from 'express-rate-limit';
import type { RateLimitStore } from '../store/rate-limit-store.js';

/**
 * express-rate-limit's Store over the service's own store: PostgreSQL counters are shared by
 * every instance, SQLite's live in its one process. `prefix` keeps each rule's keys apart.
 */
export class RateLimitStoreAdapter implements Store {
  readonly localKeys: boolean;
  private windowMs = 60_000;

  constructor(
    private readonly store: RateLimitStore,
    readonly prefix: string,
    private readonly now: () => number,
  ) {
    this.localKeys = !store.shared;
  }

  init(options: Options): void {
    this.windowMs = options.windowMs;
  }

  async increment(key: string): Promise<IncrementResponse> {
    const { hits, resetAt } = await this.store.hit(this.prefix + key, this.windowMs, this.now());
    return { totalHits: hits, resetTime: new Date(resetAt) };
  }

  decrement(key: string): Promise<void> {
    return this.store.unhit(this.prefix + key, this.now());
  }

  resetKey(key: string): Promise<void> {
    return this.store.reset(this.prefix + key);
  }
}
