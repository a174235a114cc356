/** Small named values the service keeps between runs (e.g. the reconciliation cursor), and leases. */
export interface StateStore {
  get(key: string): Promise<string | null>;
  set(key: string, value: string, now: number): Promise<void>;
  /**
   * Takes (or renews) a named lease for `owner` until now + ttlMs, if it is free, expired or
   * already ours. Lets one instance among several do periodic work.
   */
  tryAcquireLease(name: string, owner: string, ttlMs: number, now: number): Promise<boolean>;
}
