/** Where a key stands in its current fixed window. */
export interface RateLimitHits {
  hits: number;
  /** When the window ends (unix ms). */
  resetAt: number;
}

/**
 * Request counters for rate limits: fixed windows per key. Keys are bounded strings built by
 * the service (hashes of authenticated callers and validated ids), never raw caller input.
 * On PostgreSQL the counters are shared by every instance; on SQLite (one process) they live in
 * that process and cost no write.
 */
export interface RateLimitStore {
  /** True when every instance counts in the same place (PostgreSQL); false for in-process counters. */
  readonly shared: boolean;
  /** Counts one hit for `key`; a key whose window ended starts a new one of `windowMs`. */
  hit(key: string, windowMs: number, now: number): Promise<RateLimitHits>;
  /** Takes one hit back (never below zero). */
  unhit(key: string, now: number): Promise<void>;
  /** Forgets a key. */
  reset(key: string): Promise<void>;
  /** Deletes up to `limit` keys whose window ended before `now`; returns how many. */
  pruneExpired(now: number, limit: number): Promise<number>;
}
