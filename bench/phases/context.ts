import { closeSync, mkdirSync, openSync, readSync } from 'node:fs';
import { join } from 'node:path';
import type { FakeStripe } from '../../src/simulators/stripe/fake-stripe.js';
import { formatProfile, summarizeProfileDir, type ProfileSummary } from '../cpu-profile-summary.js';
import type { BenchMoesif } from '../bench-moesif.js';
import { indexOfPaymentIntentId } from '../bench-events.js';
import type { BenchOptions } from '../bench-options.js';
import type { Cleanup } from '../cleanup.js';
import type { GeneratorConfig, GeneratorResult } from '../load-protocol.js';
import { round, roundSummary, summarize, type LatencySummary } from '../percentiles.js';
import type { ReportRow } from '../report.js';
import { ServiceProcess } from '../service-process.js';
import { databaseUrlFor } from '../store-target.js';

/** What every phase gets from the orchestrator, and the helpers they share. */

export const WEBHOOK_SECRET = 'whsec_bench_secret_for_topup_sync';
export const MOESIF_KEY = 'moesif-management-key-bench';
export const API_KEY = 'bench-api-key-0123456789abcdef';

export interface BenchContext {
  options: BenchOptions;
  repoRoot: string;
  benchDir: string;
  /** This run's temporary directory (one sub-directory per phase). */
  runDir: string;
  /** Short random tag making ids and schema names unique to this run. */
  runTag: string;
  /** The data directory is on tmpfs: SQLite's fsync costs nothing, the durability targets do not apply. */
  dataOnTmpfs: boolean;
  moesif: BenchMoesif;
  stripe: FakeStripe;
  cleanup: Cleanup;
  log(message: string): void;
}

export interface PhaseOutcome {
  json: Record<string, unknown>;
  rows: ReportRow[];
  /** Printed after the table (e.g. a CPU profile summary). */
  notes?: string[];
}

/** Starts a fresh service (own work dir, own database) wired to the fakes. */
export async function startService(ctx: BenchContext, phase: string, extraEnv: Record<string, string> = {}): Promise<ServiceProcess> {
  const workDir = join(ctx.runDir, phase);
  mkdirSync(workDir, { recursive: true });
  const { options } = ctx;
  const env: Record<string, string> = {
    STRIPE_SECRET_KEY: 'sk_test_bench',
    STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
    STRIPE_API_BASE: ctx.stripe.url,
    MOESIF_MANAGEMENT_API_KEY: MOESIF_KEY,
    MOESIF_API_URL: ctx.moesif.apiUrl,
    DATABASE_URL: databaseUrlFor(options, workDir, `bench_${ctx.runTag}_${phase}`, ctx.cleanup),
    TOP_UP_API_KEYS: API_KEY,
    LOG_LEVEL: 'warn',
    RECONCILE_INTERVAL_MS: '0',
    OUTBOX_POLL_INTERVAL_MS: '100',
    OUTBOX_CONCURRENCY: String(options.outboxConcurrency),
    ...extraEnv,
  };
  if (options.postThread !== null) env.OUTBOX_POST_THREAD = String(options.postThread);
  if (options.retryBaseMs !== null) env.OUTBOX_RETRY_BASE_DELAY_MS = String(options.retryBaseMs);
  if (options.retryMaxMs !== null) env.OUTBOX_RETRY_MAX_DELAY_MS = String(options.retryMaxMs);
  ctx.log(`${phase}: starting the service (${options.store}${options.store === 'sqlite' ? ` in ${workDir}` : ''})`);
  const nodeArgs = options.profile ? ['--cpu-prof', `--cpu-prof-dir=${join(workDir, 'profile')}`] : [];
  return ServiceProcess.start({ repoRoot: ctx.repoRoot, workDir, env, cleanup: ctx.cleanup, nodeArgs });
}

/**
 * After the service of `phase` exited: its CPU profile (with --profile), summarised over each
 * window (epoch ms), and as text.
 */
export function profileOf(
  ctx: BenchContext,
  phase: string,
  service: ServiceProcess,
  windows: { label: string; from: number; to: number }[],
): { summary: ProfileSummary[] | null; notes: string[] } {
  if (!ctx.options.profile) return { summary: null, notes: [] };
  const summary = summarizeProfileDir(
    join(ctx.runDir, phase, 'profile'),
    windows.map((w) => ({ label: w.label, fromMs: w.from - service.spawnedAt, toMs: w.to - service.spawnedAt })),
  );
  if (summary.length === 0) return { summary: null, notes: [`(${phase}: no CPU profile was written)`] };
  return { summary, notes: summary.map((s) => formatProfile(phase, s)) };
}

export function generatorConfig(
  ctx: BenchContext,
  origin: string,
  idPrefix: string,
  load: Pick<GeneratorConfig, 'mode' | 'events' | 'durationMs' | 'rate'>,
): GeneratorConfig {
  const warmup = load.mode === 'open' ? Math.min(ctx.options.warmup, load.rate ?? 0) : ctx.options.warmup;
  return {
    warmup,
    origin,
    path: '/webhooks/stripe',
    secret: WEBHOOK_SECRET,
    idPrefix,
    connections: ctx.options.connections,
    retries: 3,
    requestTimeoutMs: 30_000,
    ...load,
  };
}

/** Closed-loop load of the ingest/baseline phases: a count, or a duration with a bounded pool of pre-built events. */
export function closedLoad(options: BenchOptions): Pick<GeneratorConfig, 'mode' | 'events' | 'durationMs' | 'rate'> {
  if (options.durationS === null) return { mode: 'closed', events: options.events, durationMs: null, rate: null };
  return {
    mode: 'closed',
    events: Math.min(500_000, Math.ceil(options.durationS * 25_000)),
    durationMs: options.durationS * 1000,
    rate: null,
  };
}

/** Longest the generator may take after "go" (bounded, generous). */
export function generatorTimeoutMs(config: GeneratorConfig): number {
  const events = config.warmup + config.events;
  if (config.mode === 'open') return (events / (config.rate ?? 1)) * 1000 + 60_000;
  if (config.durationMs !== null) return config.durationMs + (config.warmup / 200) * 1000 + 60_000;
  return Math.min(1_800_000, 60_000 + (events / 200) * 1000);
}

/** Waits until the fake Moesif holds `expected` distinct credits (or the timeout), then a short grace for late duplicates. */
export async function waitForCredits(
  ctx: BenchContext,
  expected: number,
  timeoutMs: number,
): Promise<{ complete: boolean; waitedMs: number; endedAt: number }> {
  const start = performance.now();
  const deadline = start + timeoutMs;
  let lastProgressLog = start;
  while (ctx.moesif.delivered < expected && performance.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
    if (performance.now() - lastProgressLog > 10_000) {
      lastProgressLog = performance.now();
      ctx.log(`  … ${ctx.moesif.delivered.toLocaleString('en-US')}/${expected.toLocaleString('en-US')} credits at the fake Moesif`);
    }
  }
  const waitedMs = performance.now() - start;
  const endedAt = Date.now();
  await new Promise((r) => setTimeout(r, 500));
  return { complete: ctx.moesif.delivered >= expected, waitedMs, endedAt };
}

export interface CreditCheck {
  expected: number;
  delivered: number;
  duplicates: number;
  /** Credits at the fake Moesif that this phase did not send (should be 0). */
  unexpected: number;
  /** Events the service never acknowledged, even after retries (should be 0). */
  neverAcked: number;
  ok: boolean;
}

export function checkCredits(ctx: BenchContext, idPrefix: string, gen: GeneratorResult): CreditCheck {
  let delivered = 0;
  let unexpected = 0;
  for (const id of ctx.moesif.acceptedAt.keys()) {
    const index = indexOfPaymentIntentId(idPrefix, id);
    if (index >= 0 && index < gen.ackAt.length && index < gen.sent) delivered += 1;
    else unexpected += 1;
  }
  const duplicates = ctx.moesif.counters.duplicates;
  const expected = gen.sent;
  return {
    expected,
    delivered,
    duplicates,
    unexpected,
    neverAcked: gen.neverAcked,
    ok: delivered === expected && duplicates === 0 && unexpected === 0,
  };
}

export interface EndToEnd {
  /** Ack at the load generator → arrival of the credit at the fake Moesif, ms. */
  toArrival: LatencySummary;
  /** Ack → the fake Moesif's 2xx answer (arrival + its simulated latency), ms. */
  toAccepted: LatencySummary;
  /** Distinct credits per second of the measured events, from the first measured request to the last credit. */
  creditsPerSecond: number;
  firstArrival: number;
  lastAccepted: number;
}

export function endToEnd(ctx: BenchContext, idPrefix: string, gen: GeneratorResult): EndToEnd {
  const toArrival: number[] = [];
  const toAccepted: number[] = [];
  let firstArrival = Number.POSITIVE_INFINITY;
  let lastAccepted = 0;
  let delivered = 0;
  for (const [id, arrived] of ctx.moesif.arrivedAt) {
    const index = indexOfPaymentIntentId(idPrefix, id);
    if (index < gen.warmupSent || index >= gen.ackAt.length) continue; // warm-up (or not ours)
    delivered += 1;
    const accepted = ctx.moesif.acceptedAt.get(id) ?? arrived;
    if (arrived < firstArrival) firstArrival = arrived;
    if (accepted > lastAccepted) lastAccepted = accepted;
    const ack = gen.ackAt[index]!;
    if (Number.isNaN(ack)) continue;
    toArrival.push(arrived - ack);
    toAccepted.push(accepted - ack);
  }
  const spanS = (lastAccepted - gen.startedAt) / 1000;
  return {
    toArrival: roundSummary(summarize(toArrival)),
    toAccepted: roundSummary(summarize(toAccepted)),
    creditsPerSecond: spanS > 0 ? round(delivered / spanS, 1) : 0,
    firstArrival,
    lastAccepted,
  };
}

/** First attempts answered other than 2xx (or not at all), warm-up included. */
export function firstTryFailures(gen: GeneratorResult): number {
  return Object.entries(gen.statuses)
    .filter(([status]) => !status.startsWith('2'))
    .reduce((sum, [, n]) => sum + n, 0);
}

/** The generator's report without the per-event array (for the JSON line). */
export function generatorSummary(gen: GeneratorResult): Record<string, unknown> {
  return {
    sent: gen.sent,
    warmupSent: gen.warmupSent,
    acked: gen.acked,
    ackedFirstTry: gen.ackedFirstTry,
    neverAcked: gen.neverAcked,
    statuses: gen.statuses,
    outcomes: gen.outcomes,
    elapsedMs: round(gen.elapsedMs, 1),
    ackedPerSecond: round(gen.ackedPerSecond, 1),
    ackLatencyMs: roundSummary(gen.latency),
    ...(gen.dispatchedLatency ? { ackLatencyFromDispatchMs: roundSummary(gen.dispatchedLatency) } : {}),
    ...(gen.dispatchLag ? { dispatchLagMs: roundSummary(gen.dispatchLag) } : {}),
    perSecond: gen.perSecond,
    buildMs: round(gen.buildMs, 1),
    exhausted: gen.exhausted,
  };
}


/** Lines and bytes the service logged (LOG_LEVEL=warn) during a phase. */
export function serviceLogStats(ctx: BenchContext, phase: string): { lines: number; bytes: number } {
  let fd: number;
  try {
    fd = openSync(join(ctx.runDir, phase, 'service.log'), 'r');
  } catch {
    return { lines: 0, bytes: 0 };
  }
  const buffer = Buffer.alloc(1 << 20);
  let lines = 0;
  let bytes = 0;
  try {
    for (let n = readSync(fd, buffer); n > 0; n = readSync(fd, buffer)) {
      bytes += n;
      for (let i = buffer.indexOf(10); i !== -1 && i < n; i = buffer.indexOf(10, i + 1)) lines += 1;
    }
  } finally {
    closeSync(fd);
  }
  return { lines, bytes };
}
