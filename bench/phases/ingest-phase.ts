import type { Baseline } from './baseline-phase.js';
import { runGenerator } from '../generator-process.js';
import { round, roundSummary } from '../percentiles.js';
import { plainRow, targetRow } from '../report.js';
import {
  checkCredits,
  closedLoad,
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

/** Ingest: the service at maximum webhook throughput (closed loop), Moesif up with its latency. */
export async function runIngestPhase(ctx: BenchContext, baseline: Baseline | null): Promise<PhaseOutcome & { ackedPerSecond: number }> {
  const phase = 'ingest';
  const { options, moesif } = ctx;
  moesif.reset();
  moesif.setDown(false);
  moesif.setLatency(options.moesifLatencyMs);
  const service = await startService(ctx, phase);
  try {
    const idPrefix = `${ctx.runTag}i`;
    const config = generatorConfig(ctx, service.origin, idPrefix, closedLoad(options));
    ctx.log(`${phase}: ${config.durationMs ? `${config.durationMs / 1000} s` : `${config.events.toLocaleString('en-US')} events`}, closed loop, ${config.connections} connections`);
    const cpu = new PhaseCpu(service.pid, options.store);
    const run = await runGenerator(ctx.benchDir, config, ctx.cleanup, generatorTimeoutMs(config), () => cpu.start());
    const cpuUse = cpu.stop(run.cpu);
    warnIfBusy(ctx, phase, cpuUse);
    const gen = run.result;
    ctx.log(`${phase}: ${Math.round(gen.ackedPerSecond)} webhooks/s; waiting for the credits to reach the fake Moesif`);
    const drain = await waitForCredits(ctx, gen.sent, options.drainTimeoutS * 1000);
    const check = checkCredits(ctx, idPrefix, gen);
    const e2e = endToEnd(ctx, idPrefix, gen);
    const metrics = await serviceMetrics(service);
    service.rss.sample();
    const peakRssMb = service.peakRssMb();
    await service.stop();
    const profile = profileOf(ctx, phase, service, [
      { label: 'under load', from: gen.startedAt, to: gen.endedAt },
      { label: 'draining after the load', from: gen.endedAt, to: drain.endedAt },
    ]);

    const ratio = baseline ? gen.ackedPerSecond / baseline.ackedPerSecond : Number.NaN;
    const p99Ratio = baseline ? gen.latency.p99 / baseline.ackP99Ms : Number.NaN;
    const durable = durableSqlite(ctx);
    const json = {
      connections: options.connections,
      bodyBytes: run.bodyBytes,
      ackedPerSecond: round(gen.ackedPerSecond, 1),
      ratioToBaseline: round(ratio, 3),
      ackLatencyMs: roundSummary(gen.latency),
      endToEndUnderMaxLoad: { toArrivalMs: e2e.toArrival, toAcceptedMs: e2e.toAccepted, creditsPerSecond: e2e.creditsPerSecond },
      drain: { complete: drain.complete, waitedAfterLoadMs: round(drain.waitedMs, 1) },
      correctness: check,
      peakRssMb: round(peakRssMb, 1),
      rssSamplesPeakMb: round(service.rss.peakMb, 1),
      cpu: cpuUse,
      fakeMoesif: moesif.counters,
      serviceMetrics: metrics,
      serviceLog: serviceLogStats(ctx, phase),
      generator: generatorSummary(gen),
      ...(profile.summary ? { cpuProfile: profile.summary } : {}),
    };
    const rows = [
      plainRow(phase, 'webhooks acknowledged / s', gen.ackedPerSecond),
      targetRow(phase, 'ratio to bare Express', ratio, '', { op: '>=', bound: 0.7, applies: durable && baseline !== null }),
      plainRow(phase, 'ack latency p50', gen.latency.p50, 'ms'),
      plainRow(phase, 'ack latency p99', gen.latency.p99, 'ms'),
      targetRow(phase, 'ack latency p99 ÷ bare Express p99', p99Ratio, '', { op: '<=', bound: 2, applies: durable && baseline !== null }),
      plainRow(phase, 'ack latency max', gen.latency.max, 'ms'),
      plainRow(phase, 'end to end p50 (at max load)', e2e.toArrival.p50, 'ms'),
      plainRow(phase, 'end to end p99 (at max load)', e2e.toArrival.p99, 'ms'),
      plainRow(phase, 'credits delivered / s', e2e.creditsPerSecond),
      ...correctnessRows(phase, check, gen),
      plainRow(phase, 'peak RSS (service)', peakRssMb, 'MB'),
      ...cpuRows(phase, 'CPU', cpuUse),
    ];
    return { json, rows, notes: profile.notes, ackedPerSecond: gen.ackedPerSecond };
  } finally {
    await service.stop(2_000);
  }
}
