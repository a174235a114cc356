import type { Baseline } from './baseline-phase.js';
import { runGenerator } from '../generator-process.js';
import { preciseNow, round, roundSummary } from '../percentiles.js';
import { plainRow, targetRow } from '../report.js';
import {
  checkCredits,
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

/**
 * Backlog: Moesif is down (503 to everything) while --backlog-events webhooks arrive at full
 * speed; then it comes back. Does ingest hold up while the worker fails and retries, how fast does
 * the backlog drain, and does memory stay bounded throughout?
 */
export async function runBacklogPhase(ctx: BenchContext, ingestPerSecond: number | null, baseline: Baseline | null): Promise<PhaseOutcome> {
  const phase = 'backlog';
  const { options, moesif } = ctx;
  moesif.reset();
  moesif.setLatency(options.moesifLatencyMs);
  moesif.setDown(true);
  const downAt = preciseNow();
  const service = await startService(ctx, phase);
  try {
    const idPrefix = `${ctx.runTag}k`;
    const config = generatorConfig(ctx, service.origin, idPrefix, { mode: 'closed', events: options.backlogEvents, durationMs: null, rate: null });
    ctx.log(`${phase}: Moesif down; ${options.backlogEvents.toLocaleString('en-US')} events, closed loop, ${config.connections} connections`);
    const cpu = new PhaseCpu(service.pid, options.store);
    const run = await runGenerator(ctx.benchDir, config, ctx.cleanup, generatorTimeoutMs(config), () => cpu.start());
    const cpuDown = cpu.stop(run.cpu);
    warnIfBusy(ctx, `${phase} (Moesif down)`, cpuDown);
    const gen = run.result;
    const rejectedWhileDown = moesif.counters.rejectedWhileDown;
    const rssWhileDownMb = service.rss.peakMb;

    const upAt = preciseNow();
    moesif.setDown(false);
    ctx.log(`${phase}: ${Math.round(gen.ackedPerSecond)} webhooks/s while Moesif was down; Moesif up, draining (timeout ${options.drainTimeoutS} s)`);
    cpu.start();
    const drain = await waitForCredits(ctx, gen.sent, options.drainTimeoutS * 1000);
    const cpuDrain = cpu.stop(null);
    warnIfBusy(ctx, `${phase} (drain)`, cpuDrain);
    const check = checkCredits(ctx, idPrefix, gen);
    const metrics = await serviceMetrics(service);
    service.rss.sample();
    const rssPeakSampledMb = service.rss.peakMb;
    const hwmMb = service.peakRssMb();
    await service.stop();
    const profile = profileOf(ctx, phase, service, [
      { label: 'Moesif down, under load', from: gen.startedAt, to: gen.endedAt },
      { label: 'Moesif up, draining', from: upAt, to: drain.endedAt },
    ]);

    let firstAccepted = Number.POSITIVE_INFINITY;
    let lastAccepted = upAt;
    const perSecond: number[] = [];
    for (const at of moesif.acceptedAt.values()) {
      if (at < firstAccepted) firstAccepted = at;
      if (at > lastAccepted) lastAccepted = at;
      const second = Math.floor((at - upAt) / 1000);
      if (second < 0 || second > 3_600) continue;
      while (perSecond.length <= second) perSecond.push(0);
      perSecond[second]! += 1;
    }
    const drainS = (lastAccepted - upAt) / 1000;
    const drainRate = drainS > 0 ? check.delivered / drainS : 0;
    const activeS = (lastAccepted - firstAccepted) / 1000;
    const activeRate = activeS > 0 ? check.delivered / activeS : 0;
    const peakSecond = perSecond.length > 0 ? Math.max(...perSecond) : 0;
    const ratioToIngest = ingestPerSecond ? gen.ackedPerSecond / ingestPerSecond : Number.NaN;
    const durable = durableSqlite(ctx);
    const rssMax = Math.max(rssPeakSampledMb, hwmMb);

    const json = {
      events: options.backlogEvents,
      connections: options.connections,
      moesifDownMs: round(upAt - downAt, 1),
      whileDown: {
        ackedPerSecond: round(gen.ackedPerSecond, 1),
        ratioToIngestPhase: round(ratioToIngest, 3),
        ackLatencyMs: roundSummary(gen.latency),
        deliveryAttemptsRejected: rejectedWhileDown,
        peakRssMb: round(rssWhileDownMb, 1),
        cpu: cpuDown,
      },
      drain: {
        complete: drain.complete,
        firstCreditAfterUpMs: round(firstAccepted - upAt, 1),
        seconds: round(drainS, 2),
        creditsPerSecond: round(drainRate, 1),
        creditsPerSecondFromFirstCredit: round(activeRate, 1),
        peakCreditsInOneSecond: peakSecond,
        perSecond,
        cpu: cpuDrain,
      },
      correctness: check,
      rss: { peakSampledMb: round(rssPeakSampledMb, 1), vmHwmMb: round(hwmMb, 1), samples: service.rss.samples.length, intervalMs: 250 },
      retryPolicy: { baseMs: options.retryBaseMs ?? 'service default (1000)', maxMs: options.retryMaxMs ?? 'service default (600000)' },
      fakeMoesif: moesif.counters,
      serviceMetrics: metrics,
      serviceLog: serviceLogStats(ctx, phase),
      generator: generatorSummary(gen),
      ...(profile.summary ? { cpuProfile: profile.summary } : {}),
    };
    const rows = [
      plainRow(phase, 'webhooks acknowledged / s (Moesif down)', gen.ackedPerSecond),
      targetRow(phase, 'ratio to ingest phase', ratioToIngest, '', { op: '>=', bound: 0.9, applies: ingestPerSecond !== null, label: '(unaffected)' }),
      plainRow(phase, 'ack latency p99 (Moesif down)', gen.latency.p99, 'ms'),
      plainRow(phase, 'delivery attempts refused while down', rejectedWhileDown),
      plainRow(phase, 'first credit after Moesif is up', firstAccepted - upAt, 'ms'),
      plainRow(phase, 'backlog drain (credits / s, from up)', drainRate),
      targetRow(phase, 'drain from up ÷ bare Express rate', baseline ? drainRate / baseline.ackedPerSecond : Number.NaN, '', { op: '>=', bound: 0.5, applies: durable && baseline !== null }),
      plainRow(phase, 'drain from first credit (credits / s)', activeRate),
      plainRow(phase, 'drain: busiest second', peakSecond, 'credits'),
      plainRow(phase, 'drain time', drainS, 's'),
      ...correctnessRows(phase, check, gen),
      targetRow(phase, 'peak RSS (service, whole phase)', rssMax, 'MB', { op: '<', bound: 250, applies: true, label: 'MB' }),
      ...cpuRows(phase, 'CPU (down)', cpuDown),
      ...cpuRows(phase, 'CPU (drain)', cpuDrain, false),
    ];
    return { json, rows, notes: profile.notes };
  } finally {
    moesif.setDown(false);
    await service.stop(2_000);
  }
}
