import { retryDelayMs, type BackoffPolicy } from './backoff.js';

/** Consecutive transient Moesif failures after which the worker stops sending at full concurrency. */
const TRIP_AFTER = 5;
/**
 * Longest pause between probes: a recovered Moesif is noticed within this. One request every five
 * seconds costs a Moesif that is down nothing, and credits resume within seconds of its return.
 */
const MAX_PROBE_PAUSE_MS = 5_000;

/**
 * Keeps the worker from flooding a Moesif that is down (and from burning the CPU that ingest
 * needs on a storm of doomed requests). After TRIP_AFTER consecutive transient failures, it
 * allows one probe at a time, spaced by a growing pause (at least any Retry-After); the first
 * answer from Moesif closes it again and full concurrency resumes. Entries waiting meanwhile are
 * not attempted, so they spend none of their attempts.
 */
export class MoesifBreaker {
  private failures = 0;
  private pausedUntil = 0;

  constructor(
    private readonly policy: BackoffPolicy,
    private readonly onChange: (open: boolean) => void = () => {},
  ) {}

  get isOpen(): boolean {
    return this.failures >= TRIP_AFTER;
  }

  /** How many deliveries may be in flight at `now`, out of `concurrency`. */
  allowance(now: number, concurrency: number): number {
    if (!this.isOpen) return concurrency;
    return now >= this.pausedUntil ? 1 : 0;
  }

  /** How long until a probe is allowed (0 when closed or due). */
  waitMs(now: number): number {
    return this.isOpen ? Math.max(0, this.pausedUntil - now) : 0;
  }

  /** Moesif answered (2xx, or a 4xx about the payload): it is up. */
  recordAnswer(): void {
    const wasOpen = this.isOpen;
    this.failures = 0;
    this.pausedUntil = 0;
    if (wasOpen) this.onChange(false);
  }

  /** Network error, timeout, 429 or 5xx. */
  recordFailure(now: number, retryAfterMs: number | null): void {
    const wasOpen = this.isOpen;
    this.failures += 1;
    if (!this.isOpen) return;
    const pause = Math.min(MAX_PROBE_PAUSE_MS, retryDelayMs(this.failures - TRIP_AFTER + 1, this.policy));
    this.pausedUntil = now + Math.max(pause, retryAfterMs ?? 0);
    if (!wasOpen) this.onChange(true);
  }
}
