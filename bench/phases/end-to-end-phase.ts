import { runGenerator } from '../generator-process.js';
import { round, roundSummary } from '../percentiles.js';
import { plainRow, targetRow } from '../report.js';
import {
  checkCredits,
  endToEnd,
  generatorConfig,
  generatorSummary,
  generatorTimeoutMs,
  profileOf,
  serviceLogStats,
  startService,
  waitForCredits,
  type BenchContext,
  type PhaseOutcome,
} from './context.js';
import { correctnessRows, cpuRows, durableSqlite, PhaseCpu, serviceMetrics, warnIfBusy } from './service-report.js';

/** Without --rate and without a baseline in the same run. */
const FALLBACK_RATE = 2_000;

/**
 * End to end: webhooks at a fixed rate (open loop), Moesif answering after its latency; how long
 * from a webhook's acknowledgement until its credit arrives at Moesif. The rate is half of what
 * bare Express acknowledged in the same run (machines differ 3-6x, so a fixed rate would be easy
 * on one and impossible on another), unless --rate fixes it.
 */
export async function runEndToEndPhase(ctx: BenchContext, baselinePerSecond: number | null): Promise<PhaseOutcome> {
  const phase = 'e2e';
  const { options: asked, moesif } = ctx;
  const fromBaseline = asked.rate === null && baselinePerSecond !== null && baselinePerSecond > 0;
  const rate = asked.rate ?? (fromBaseline ? Math.max(1, Math.round(baselinePerSecond! / 2)) : FALLBACK_RATE);
  const options = { ...asked, rate };
  moesif.reset();
  moesif.setDown(false);
  moesif.setLatency(options.moesifLatencyMs);
  const service = await startService(ctx, phase);
  try {
    const idPrefix = `${ctx.runTag}e`;
    const events = options.rate * options.e2eSeconds;
    const config = generatorConfig(ctx, service.origin, idPrefix, { mode: 'open', events, durationMs: null, rate: options.rate });
    ctx.log(`${phase}: ${options.rate}/s for ${options.e2eSeconds} s (${events.toLocaleString('en-US')} events), Moesif latency ${options.moesifLatencyMs} ms, OUTBOX_CONCURRENCY ${options.outboxConcurrency}`);
    const cpu = new PhaseCpu(service.pid, options.store);
    const run = await runGenerator(ctx.benchDir, config, ctx.cleanup, generatorTimeoutMs(config), () => cpu.start());
    const cpuUse = cpu.stop(run.cpu);
    warnIfBusy(ctx, phase, cpuUse);
    const gen = run.result;
    const drain = await waitForCredits(ctx, gen.sent, options.drainTimeoutS * 1000);
    const check = checkCredits(ctx, idPrefix, gen);
    const e2e = endToEnd(ctx, idPrefix, gen);
    const metrics = await serviceMetrics(service);
    const peakRssMb = service.peakRssMb();
    await service.stop();
    const profile = profileOf(ctx, phase, service, [{ label: `at ${options.rate}/s`, from: gen.startedAt, to: gen.endedAt }]);

    const conditions = durableSqlite(ctx) && fromBaseline && options.moesifLatencyMs === 20;
    const keptUp = gen.ackedPerSecond / options.rate;
    const json = {
      rate: options.rate,
      rateFrom: asked.rate !== null ? '--rate' : fromBaseline ? '0.5 × baseline' : 'fallback (no baseline in this run)',
      keptUp: round(keptUp, 3),
      seconds: options.e2eSeconds,
      moesifLatencyMs: options.moesifLatencyMs,
      outboxConcurrency: options.outboxConcurrency,
      endToEnd: { toArrivalMs: e2e.toArrival, toAcceptedMs: e2e.toAccepted },
      creditsPerSecond: e2e.creditsPerSecond,
      ackedPerSecond: round(gen.ackedPerSecond, 1),
      ackLatencyMs: roundSummary(gen.latency),
      drain: { complete: drain.complete, waitedAfterLoadMs: round(drain.waitedMs, 1) },
      correctness: check,
      peakRssMb: round(peakRssMb, 1),
      cpu: cpuUse,
      fakeMoesif: moesif.counters,
      serviceMetrics: metrics,
      serviceLog: serviceLogStats(ctx, phase),
      generator: generatorSummary(gen),
      ...(profile.summary ? { cpuProfile: profile.summary } : {}),
    };
    const rows = [
      plainRow(phase, 'webhooks acknowledged / s', gen.ackedPerSecond, `(asked ${options.rate})`),
      plainRow(phase, 'ack latency p50', gen.latency.p50, 'ms'),
      plainRow(phase, 'ack latency p99', gen.latency.p99, 'ms'),
      plainRow(phase, 'end to end p50', e2e.toArrival.p50, 'ms'),
      targetRow(phase, 'acknowledged / asked', keptUp, '', { op: '>=', bound: 0.98, applies: conditions, label: '@0.5 × baseline' }),
      targetRow(phase, 'end to end p99', e2e.toArrival.p99, 'ms', { op: '<=', bound: 250, applies: conditions, label: 'ms @0.5 × baseline, 20 ms' }),
      plainRow(phase, 'end to end max', e2e.toArrival.max, 'ms'),
      plainRow(phase, 'credits delivered / s', e2e.creditsPerSecond),
      plainRow(phase, 'deliveries in flight at Moesif (max)', moesif.counters.maxInFlight),
      plainRow(phase, 'generator dispatch lag p99', gen.dispatchLag?.p99 ?? Number.NaN, 'ms'),
      ...correctnessRows(phase, check, gen),
      plainRow(phase, 'peak RSS (service)', peakRssMb, 'MB'),
      ...cpuRows(phase, 'CPU', cpuUse),
    ];
    return { json, rows, notes: profile.notes };
  } finally {
    await service.stop(2_000);
  }
}
