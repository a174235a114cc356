import type { RateLimitHits, RateLimitStore } from '../rate-limit-store.js';

/** Sweep ended windows once the map holds this many keys (then at twice what a sweep left), so it never grows without bound. */
const FIRST_SWEEP_AT = 10_000;

/**
 * Rate-limit counters for the SQLite store. SQLite means one process, so the counters live in
 * that process: a rate limit costs no database write (and no fsync) per request.
 */
export class InProcessRateLimits implements RateLimitStore {
  readonly shared = false;
  private readonly windows = new Map<string, RateLimitHits>();
  private sweepAt = FIRST_SWEEP_AT;

  hit(key: string, windowMs: number, now: number): Promise<RateLimitHits> {
    let current = this.windows.get(key);
    if (!current || current.resetAt <= now) {
      if (this.windows.size >= this.sweepAt) {
        this.sweep(now, Number.MAX_SAFE_INTEGER);
        // Amortised: the next full sweep waits until the live keys have doubled.
        this.sweepAt = Math.max(FIRST_SWEEP_AT, 2 * this.windows.size);
      }
      current = { hits: 0, resetAt: now + windowMs };
      this.windows.set(key, current);
    }
    current.hits += 1;
    return Promise.resolve({ ...current });
  }

  unhit(key: string, now: number): Promise<void> {
    const current = this.windows.get(key);
    if (current && current.resetAt > now && current.hits > 0) current.hits -= 1;
    return Promise.resolve();
  }

  reset(key: string): Promise<void> {
    this.windows.delete(key);
    return Promise.resolve();
  }

  pruneExpired(now: number, limit: number): Promise<number> {
    return Promise.resolve(this.sweep(now, limit));
  }

  private sweep(now: number, limit: number): number {
    let removed = 0;
    for (const [key, window] of this.windows) {
      if (removed >= limit) break;
      if (window.resetAt <= now) {
        this.windows.delete(key);
        removed += 1;
      }
    }
    return removed;
  }
}
