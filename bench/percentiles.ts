/** Latency summaries (nearest-rank percentiles over all samples; no sampling, no histogram buckets). */

export interface LatencySummary {
  count: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
}

/** Nearest-rank percentile of an ascending array (p in 0..100). */
export function percentileOfSorted(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

/** Summarises samples (NaN entries are skipped). Values keep their unit (ms everywhere here). */
export function summarize(samples: ArrayLike<number>): LatencySummary {
  const values = new Float64Array(samples.length);
  let n = 0;
  let sum = 0;
  for (let i = 0; i < samples.length; i++) {
    const v = samples[i]!;
    if (Number.isNaN(v)) continue;
    values[n++] = v;
    sum += v;
  }
  const sorted = values.subarray(0, n).sort();
  return {
    count: n,
    mean: n > 0 ? sum / n : Number.NaN,
    p50: percentileOfSorted(sorted, 50),
    p90: percentileOfSorted(sorted, 90),
    p99: percentileOfSorted(sorted, 99),
    p999: percentileOfSorted(sorted, 99.9),
    max: n > 0 ? sorted[n - 1]! : Number.NaN,
  };
}

/** Rounds for printing and JSON (3 decimals: microseconds when the unit is ms). */
export function round(value: number, decimals = 3): number {
  if (!Number.isFinite(value)) return value;
  const f = 10 ** decimals;
  return Math.round(value * f) / f;
}

export function roundSummary(s: LatencySummary): LatencySummary {
  return {
    count: s.count,
    mean: round(s.mean),
    p50: round(s.p50),
    p90: round(s.p90),
    p99: round(s.p99),
    p999: round(s.p999),
    max: round(s.max),
  };
}

/** Wall-clock time in epoch milliseconds with sub-millisecond resolution. */
export function preciseNow(): number {
  return performance.timeOrigin + performance.now();
}
