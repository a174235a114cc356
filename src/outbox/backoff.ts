export interface BackoffPolicy {
  baseDelayMs: number;
  maxDelayMs: number;
}

/**
 * Delay before the next attempt after `attempts` failed ones (1 = the first failure):
 * exponential from `baseDelayMs`, capped at `maxDelayMs`, with "equal jitter" (half fixed, half
 * random) so a recovering Moesif is not hit by every entry at once. A Retry-After from Moesif is a
 * floor, still capped so one bad header cannot park an entry for days.
 */
export function retryDelayMs(
  attempts: number,
  policy: BackoffPolicy,
  retryAfterMs: number | null = null,
  random: () => number = Math.random,
): number {
  const exponent = Math.min(Math.max(attempts - 1, 0), 30);
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** exponent);
  const jittered = ceiling / 2 + random() * (ceiling / 2);
  const floor = retryAfterMs ?? 0;
  return Math.round(Math.min(policy.maxDelayMs, Math.max(jittered, floor)));
}
