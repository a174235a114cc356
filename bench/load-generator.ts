import { Pool } from 'undici';
import { signedEvent, type SignedEvent } from './bench-events.js';
import type { GeneratorConfig, GeneratorMessage, GeneratorResult, OrchestratorMessage } from './load-protocol.js';
import { preciseNow, summarize } from './percentiles.js';

/**
 * Load-generator child process: pre-builds and signs distinct payment_intent.succeeded events,
 * waits for "go", sends them over an undici Pool (closed loop or fixed rate), and reports per-event
 * ack times and latencies to the parent over IPC. Forked by the orchestrator; not run by hand.
 * Events 0..warmup-1 are sent first, the same way, and left out of the latency and rate figures.
 */

/** Re-sign an event whose signature is older than this (the service's tolerance is 300 s). */
const RESIGN_AFTER_S = 240;

/** Resolves once the message is handed to the IPC channel (so disconnecting afterwards loses nothing). */
function send(message: GeneratorMessage): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send) return resolve();
    process.send(message, undefined, {}, () => resolve());
  });
}

class LoadRun {
  private readonly pool: Pool;
  private readonly events: SignedEvent[] = [];
  private readonly total: number;
  readonly ackAt: Float64Array;
  /** Per event index: ms from (scheduled) start to the 2xx answer; NaN for warm-up and failures. */
  private readonly latency: Float64Array;
  private readonly dispatchedLatency: Float64Array;
  private readonly dispatchLag: Float64Array;
  private readonly failed = new Set<number>();
  readonly statuses: Record<string, number> = {};
  readonly outcomes: Record<string, number> = {};
  private startedAt = Number.NaN;
  private endedAt = 0;
  private sent = 0;

  constructor(private readonly config: GeneratorConfig) {
    this.pool = new Pool(config.origin, {
      connections: config.connections,
      pipelining: 1,
      keepAliveTimeout: 120_000,
      headersTimeout: config.requestTimeoutMs,
      bodyTimeout: config.requestTimeoutMs,
    });
    this.total = config.warmup + config.events;
    const open = config.mode === 'open';
    this.ackAt = new Float64Array(this.total).fill(Number.NaN);
    this.latency = new Float64Array(this.total).fill(Number.NaN);
    this.dispatchedLatency = new Float64Array(open ? this.total : 0).fill(Number.NaN);
    this.dispatchLag = new Float64Array(open ? this.total : 0).fill(Number.NaN);
  }

  build(): number {
    const nowS = Math.floor(Date.now() / 1000);
    for (let i = 0; i < this.total; i++) this.events.push(signedEvent(this.config.idPrefix, i, this.config.secret, nowS));
    return this.events[0]?.body.length ?? 0;
  }

  private eventFor(index: number): SignedEvent {
    let event = this.events[index]!;
    const nowS = Math.floor(Date.now() / 1000);
    if (nowS - event.signedAtS > RESIGN_AFTER_S) {
      event = signedEvent(this.config.idPrefix, index, this.config.secret, nowS);
      this.events[index] = event;
    }
    return event;
  }

  /** One POST; resolves with "200"/"503"/"error:…" and the body's outcome. Never rejects. */
  private async post(index: number): Promise<{ status: string; outcome: string; ok: boolean }> {
    const event = this.eventFor(index);
    try {
      const res = await this.pool.request({
        path: this.config.path,
        method: 'POST',
        headers: { 'content-type': 'application/json', 'stripe-signature': event.signature },
        body: event.body,
      });
      const text = await res.body.text();
      const ok = res.statusCode >= 200 && res.statusCode < 300;
      const outcome = !ok ? '' : (/"outcome":"(\w+)"/.exec(text)?.[1] ?? 'other');
      return { status: String(res.statusCode), outcome, ok };
    } catch (err) {
      const code = (err as { code?: string }).code ?? (err as Error).name;
      return { status: `error:${code}`, outcome: '', ok: false };
    }
  }

  /** First attempt of event `index`; `scheduledAt` (performance.now() ms) for open loop. */
  private async first(index: number, scheduledAt: number | null): Promise<void> {
    const measured = index >= this.config.warmup;
    const t0 = performance.now();
    if (measured && Number.isNaN(this.startedAt)) this.startedAt = performance.timeOrigin + (scheduledAt ?? t0);
    this.sent += 1;
    const { status, outcome, ok } = await this.post(index);
    const t1 = performance.now();
    this.statuses[status] = (this.statuses[status] ?? 0) + 1;
    if (!ok) {
      this.failed.add(index);
      return;
    }
    this.outcomes[outcome] = (this.outcomes[outcome] ?? 0) + 1;
    this.ackAt[index] = performance.timeOrigin + t1;
    if (!measured) return;
    this.latency[index] = t1 - (scheduledAt ?? t0);
    if (scheduledAt !== null) {
      this.dispatchedLatency[index] = t1 - t0;
      this.dispatchLag[index] = t0 - scheduledAt;
    }
    if (performance.timeOrigin + t1 > this.endedAt) this.endedAt = performance.timeOrigin + t1;
  }

  /** Closed loop: `connections` senders, each waiting for its answer. Returns true if the events ran out before the duration. */
  async closedLoop(): Promise<boolean> {
    const { durationMs, connections, warmup } = this.config;
    let deadline = Number.POSITIVE_INFINITY;
    let next = 0;
    const worker = async () => {
      while (next < this.total) {
        if (next === warmup && durationMs !== null && deadline === Number.POSITIVE_INFINITY) deadline = performance.now() + durationMs;
        if (performance.now() >= deadline) return;
        await this.first(next++, null);
      }
    };
    await Promise.all(Array.from({ length: connections }, worker));
    return durationMs !== null && next >= this.total && performance.now() < deadline;
  }

  /** Open loop: event i starts at start + i/rate whatever the answers (latency counted from that time). */
  async openLoop(): Promise<void> {
    const { rate } = this.config;
    if (!rate || rate <= 0) throw new Error('open loop needs a positive rate');
    const intervalMs = 1000 / rate;
    const start = performance.now() + 5;
    const inFlight: Promise<void>[] = [];
    let next = 0;
    while (next < this.total) {
      const due = Math.min(this.total, Math.floor((performance.now() - start) / intervalMs) + 1);
      while (next < due) {
        const i = next++;
        inFlight.push(this.first(i, start + i * intervalMs));
      }
      if (next < this.total) {
        const wait = start + next * intervalMs - performance.now();
        await new Promise((r) => setTimeout(r, Math.max(0, wait)));
      }
    }
    await Promise.all(inFlight);
  }

  /** Stripe-like retries of the failed events, after the main run (not in the latency figures). */
  async retryFailed(): Promise<void> {
    for (let round = 0; round < this.config.retries && this.failed.size > 0; round++) {
      await new Promise((r) => setTimeout(r, 200 * (round + 1)));
      const batch = [...this.failed];
      let cursor = 0;
      const worker = async () => {
        while (cursor < batch.length) {
          const index = batch[cursor++]!;
          const { ok, outcome } = await this.post(index);
          if (!ok) continue;
          this.failed.delete(index);
          this.ackAt[index] = preciseNow();
          this.outcomes[`retry_${outcome}`] = (this.outcomes[`retry_${outcome}`] ?? 0) + 1;
        }
      };
      await Promise.all(Array.from({ length: Math.min(this.config.connections, batch.length) }, worker));
    }
  }

  result(buildMs: number, exhausted: boolean): GeneratorResult {
    const startedAt = Number.isNaN(this.startedAt) ? 0 : this.startedAt;
    const elapsedMs = Math.max(0, this.endedAt - startedAt);
    let acked = 0;
    let ackedFirstTry = 0;
    const perSecond: number[] = [];
    for (let i = 0; i < this.total; i++) {
      if (Number.isNaN(this.ackAt[i]!)) continue;
      acked += 1;
      if (Number.isNaN(this.latency[i]!)) continue;
      ackedFirstTry += 1;
      const second = Math.floor((this.ackAt[i]! - startedAt) / 1000);
      if (second >= 0 && second < 100_000) {
        while (perSecond.length <= second) perSecond.push(0);
        perSecond[second]! += 1;
      }
    }
    const open = this.config.mode === 'open';
    return {
      sent: this.sent,
      warmupSent: Math.min(this.sent, this.config.warmup),
      acked,
      ackedFirstTry,
      neverAcked: this.sent - acked,
      statuses: this.statuses,
      outcomes: this.outcomes,
      startedAt,
      endedAt: this.endedAt,
      elapsedMs,
      ackedPerSecond: elapsedMs > 0 ? ackedFirstTry / (elapsedMs / 1000) : 0,
      latency: summarize(this.latency),
      dispatchedLatency: open ? summarize(this.dispatchedLatency) : null,
      dispatchLag: open ? summarize(this.dispatchLag) : null,
      perSecond,
      ackAt: this.ackAt,
      buildMs,
      exhausted,
    };
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}

async function main(): Promise<void> {
  const raw = process.env.BENCH_GENERATOR_CONFIG;
  if (!raw || !process.send) throw new Error('load-generator.ts is forked by bench/run-bench.ts (needs BENCH_GENERATOR_CONFIG and IPC)');
  const config = JSON.parse(raw) as GeneratorConfig;
  const run = new LoadRun(config);
  const t0 = performance.now();
  const bodyBytes = run.build();
  const buildMs = performance.now() - t0;
  const go = new Promise<void>((resolve) => {
    process.on('message', (message: OrchestratorMessage) => {
      if (message.type === 'go') resolve();
    });
  });
  await send({ type: 'ready', buildMs, bodyBytes });
  await go;
  const exhausted = config.mode === 'open' ? (await run.openLoop(), false) : await run.closedLoop();
  await run.retryFailed();
  const result = run.result(buildMs, exhausted);
  await run.close();
  await send({ type: 'result', result });
  process.disconnect();
}

// The orchestrator gone means nobody reads the result: stop at once.
process.on('disconnect', () => process.exit());
main().catch(async (err: unknown) => {
  process.exitCode = 1;
  await send({ type: 'error', message: err instanceof Error ? (err.stack ?? err.message) : String(err) });
  if (process.connected) process.disconnect();
});
