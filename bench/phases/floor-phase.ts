import { Pool } from 'undici';
import type { Baseline } from './baseline-phase.js';
import { stopChild } from '../cleanup.js';
import { forkBenchServer } from '../forked-server.js';
import { runGenerator } from '../generator-process.js';
import { percentileOfSorted, round, roundSummary, summarize } from '../percentiles.js';
import { plainRow } from '../report.js';
import {
  checkCredits,
  closedLoad,
  generatorConfig,
  generatorTimeoutMs,
  MOESIF_KEY,
  waitForCredits,
  type BenchContext,
  type PhaseOutcome,
} from './context.js';
import { correctnessRows, cpuRows, PhaseCpu, warnIfBusy } from './service-report.js';
import { overheadSummary, prepareTopUps, sendAtRate, stripeTimePerTopUp } from './topup-phase.js';

/**
 * The floor phases: the ingest and topup phases' load against floor-server.ts, which only
 * acknowledges and forwards (no signature check, no store, no fsync). Run in the same run as the
 * service's phases, they say how close to a target this machine lets any service get: a target
 * the floor misses cannot be met here by making the service cheaper.
 */

async function startFloor(ctx: BenchContext, mode: 'ingest' | 'topup') {
  ctx.log(`floor-${mode}: starting the floor server`);
  return forkBenchServer(ctx, 'floor-server.ts', 'floor server', {
    FLOOR_MODE: mode,
    FLOOR_MOESIF_CONCURRENCY: String(ctx.options.outboxConcurrency),
    MOESIF_API_URL: ctx.moesif.apiUrl,
    MOESIF_MANAGEMENT_API_KEY: MOESIF_KEY,
    STRIPE_SECRET_KEY: 'sk_test_bench',
    STRIPE_API_BASE: ctx.stripe.url,
  });
}

export async function runIngestFloorPhase(ctx: BenchContext, baseline: Baseline | null): Promise<PhaseOutcome> {
  const phase = 'floor-ingest';
  const { options, moesif } = ctx;
  moesif.reset();
  moesif.setDown(false);
  moesif.setLatency(options.moesifLatencyMs);
  const { child, port } = await startFloor(ctx, 'ingest');
  try {
    const idPrefix = `${ctx.runTag}f`;
    const config = generatorConfig(ctx, `http://127.0.0.1:${port}`, idPrefix, closedLoad(options));
    const cpu = new PhaseCpu(child.pid!);
    const run = await runGenerator(ctx.benchDir, config, ctx.cleanup, generatorTimeoutMs(config), () => cpu.start());
    const cpuUse = cpu.stop(run.cpu);
    warnIfBusy(ctx, phase, cpuUse);
    const gen = run.result;
    await waitForCredits(ctx, gen.sent, options.drainTimeoutS * 1000);
    const check = checkCredits(ctx, idPrefix, gen);
    const ratio = baseline ? gen.ackedPerSecond / baseline.ackedPerSecond : Number.NaN;
    const p99Ratio = baseline ? gen.latency.p99 / baseline.ackP99Ms : Number.NaN;
    const json = {
      ackedPerSecond: round(gen.ackedPerSecond, 1),
      ratioToBaseline: round(ratio, 3),
      ackLatencyMs: roundSummary(gen.latency),
      correctness: check,
      cpu: cpuUse,
    };
    const rows = [
      plainRow(phase, 'webhooks acknowledged / s (ack, then forward)', gen.ackedPerSecond),
      plainRow(phase, 'ratio to bare Express (what ingest could reach)', ratio),
      plainRow(phase, 'ack latency p99 ÷ bare Express p99', p99Ratio),
      ...correctnessRows(phase, check, gen),
      ...cpuRows(phase, 'CPU', cpuUse),
    ];
    return { json, rows };
  } finally {
    await stopChild(child, 5_000);
  }
}

export async function runTopUpFloorPhase(ctx: BenchContext): Promise<PhaseOutcome> {
  const phase = 'floor-topup';
  const { options, stripe } = ctx;
  const { total, warmup, customers } = prepareTopUps(ctx, 'f');
  const { child, port } = await startFloor(ctx, 'topup');
  const pool = new Pool(`http://127.0.0.1:${port}`, { connections: 64, pipelining: 1, headersTimeout: 30_000, bodyTimeout: 30_000 });
  try {
    const callsAtStart = stripe.requests.length;
    await sendAtRate(pool, customers.slice(0, warmup), options.topUpRate);
    const stripeCallsBefore = stripe.requests.length;
    const cpu = new PhaseCpu(child.pid!);
    cpu.start();
    const startedAt = performance.now();
    const answers = await sendAtRate(pool, customers.slice(warmup), options.topUpRate);
    const elapsedS = (performance.now() - startedAt) / 1000;
    const cpuUse = cpu.stop(null);
    warnIfBusy(ctx, phase, cpuUse);
    const succeeded = answers.filter((a) => a.status === '201' && a.paymentIntentStatus === 'succeeded').length;
    const drain = await waitForCredits(ctx, warmup + succeeded, options.drainTimeoutS * 1000);
    // Every call of every top-up, its delivery's included (all credited by now): exact, unlike the window's.
    const callsPerTopUpWholePhase = (stripe.requests.length - callsAtStart) / (warmup + total);
    const latency = summarize(answers.filter((a) => a.status === '201').map((a) => a.latencyMs));
    const stripeMs = stripeTimePerTopUp(stripe.requests.slice(stripeCallsBefore), answers);
    const overhead = overheadSummary(answers, stripeMs);
    const creditsOk = drain.complete && ctx.moesif.delivered === warmup + succeeded && ctx.moesif.counters.duplicates === 0 && succeeded === total;
    const json = {
      answeredPerSecond: round(answers.filter((a) => a.status === '201').length / elapsedS, 1),
      latencyMs: roundSummary(latency),
      stripeCallsPerTopUp: round((stripe.requests.length - stripeCallsBefore) / total, 3),
      stripeCallsPerTopUpWholePhase: round(callsPerTopUpWholePhase, 3),
      overheadMs: { p50: round(overhead.p50, 2), p99: round(overhead.p99, 2) },
      creditsOk,
      cpu: cpuUse,
    };
    const rows = [
      plainRow(phase, 'top-ups answered / s', json.answeredPerSecond, `(asked ${options.topUpRate})`),
      plainRow(phase, 'Stripe time per top-up p50', percentileOfSorted([...stripeMs.values()].sort((a, b) => a - b), 50), 'ms'),
      plainRow(phase, 'own overhead p50 (Stripe calls only)', overhead.p50, 'ms'),
      plainRow(phase, 'own overhead p99 (Stripe calls only)', overhead.p99, 'ms'),
      plainRow(phase, 'credits expected = delivered, 0 duplicated', creditsOk ? 'yes' : 'NO'),
      ...cpuRows(phase, 'CPU', cpuUse),
    ];
    return { json, rows };
  } finally {
    stripe.setLatency(0);
    await pool.close().catch(() => undefined);
    await stopChild(child, 5_000);
  }
}
