import type { LatencySummary } from './percentiles.js';

/** What the orchestrator tells a load-generator child (as JSON in BENCH_GENERATOR_CONFIG). */
export interface GeneratorConfig {
  /** Origin of the server under load, e.g. http://127.0.0.1:41234. */
  origin: string;
  path: string;
  secret: string;
  /** Makes the phase's PaymentIntent and event ids distinct from every other phase and run. */
  idPrefix: string;
  connections: number;
  /** closed: each connection sends its next request when the previous one is answered (max throughput). open: fixed rate. */
  mode: 'closed' | 'open';
  /** Events sent first, the same way, and left out of the measurement (JIT and caches warm up). */
  warmup: number;
  /** Measured events after the warm-up; closed loop sends all of them unless durationMs ends it first; open loop sends all at `rate`. */
  events: number;
  /** Closed loop only: stop starting requests after this long (null: send every event). */
  durationMs: number | null;
  /** Open loop only: requests started per second. */
  rate: number | null;
  /** Extra attempts for requests that failed (non-2xx or network error), after the main run, like Stripe's retries. */
  retries: number;
  requestTimeoutMs: number;
}

export interface GeneratorResult {
  /** Events whose first attempt was started, warm-up included (the credits to expect). */
  sent: number;
  /** Of those, sent during the warm-up (not in the latency and rate figures). */
  warmupSent: number;
  /** Events answered 2xx (first attempt or a retry), warm-up included. */
  acked: number;
  /** Measured events answered 2xx at their first attempt. */
  ackedFirstTry: number;
  /** Events never answered 2xx, even after retries. */
  neverAcked: number;
  /** First attempts by answer: "200", "503", "error:UND_ERR_SOCKET", … */
  statuses: Record<string, number>;
  /** `outcome` of the 2xx answers' bodies: queued, duplicate, ignored, other. */
  outcomes: Record<string, number>;
  /** Epoch ms of the first measured request's start and the last first-attempt answer. */
  startedAt: number;
  endedAt: number;
  elapsedMs: number;
  /** First-attempt 2xx answers per second of elapsed time. */
  ackedPerSecond: number;
  /** Ack latency of first attempts, ms. Open loop: measured from the request's scheduled start (no coordinated omission). */
  latency: LatencySummary;
  /** Open loop only: from the actual dispatch of the request. */
  dispatchedLatency: LatencySummary | null;
  /** Open loop only: how late requests were dispatched versus their schedule (generator saturation). */
  dispatchLag: LatencySummary | null;
  /** 2xx answers per whole second since the start (first attempts). */
  perSecond: number[];
  /** Per event index (warm-up first): epoch ms (sub-ms) when its 2xx answer was fully received; NaN if never or not sent. */
  ackAt: Float64Array;
  /** Time spent pre-building and signing the events before the run. */
  buildMs: number;
  /** Closed loop with a duration: the pre-built events ran out before the duration did. */
  exhausted: boolean;
}

export type GeneratorMessage =
  | { type: 'ready'; buildMs: number; bodyBytes: number }
  | { type: 'result'; result: GeneratorResult }
  | { type: 'error'; message: string };

export type OrchestratorMessage = { type: 'go' };
