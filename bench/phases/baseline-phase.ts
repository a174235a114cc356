import { stopChild } from '../cleanup.js';
import { forkBenchServer } from '../forked-server.js';
import { runGenerator } from '../generator-process.js';
import { round, roundSummary } from '../percentiles.js';
import { readMemory, RssSampler } from '../process-stats.js';
import { plainRow } from '../report.js';
import { closedLoad, firstTryFailures, generatorConfig, generatorSummary, generatorTimeoutMs, type BenchContext, type PhaseOutcome } from './context.js';
import { cpuRows, PhaseCpu, warnIfBusy } from './service-report.js';

/**
 * Baseline: the same generator and the same signed bodies against a bare Express 5 server that
 * only parses the JSON, so the service's ingest rate can be read as a share of what the framework
 * itself does on this machine.
 */
/** What the other phases' targets are ratios of. */
export interface Baseline {
  ackedPerSecond: number;
  ackP99Ms: number;
}

export async function runBaselinePhase(ctx: BenchContext): Promise<PhaseOutcome & Baseline> {
  const phase = 'baseline';
  ctx.log(`${phase}: starting the bare Express 5 server`);
  const { child: server, port } = await forkBenchServer(ctx, 'bare-express-server.ts', 'bare Express server');
  try {
    const rss = new RssSampler(server.pid!).start();
    const cpu = new PhaseCpu(server.pid!);
    const config = generatorConfig(ctx, `http://127.0.0.1:${port}`, `${ctx.runTag}b`, closedLoad(ctx.options));
    ctx.log(`${phase}: ${config.durationMs ? `${config.durationMs / 1000} s` : `${config.events.toLocaleString('en-US')} events`}, closed loop, ${config.connections} connections`);
    const run = await runGenerator(ctx.benchDir, config, ctx.cleanup, generatorTimeoutMs(config), () => cpu.start());
    const cpuUse = cpu.stop(run.cpu);
    warnIfBusy(ctx, phase, cpuUse);
    rss.stop();
    const peakRssMb = readMemory(server.pid!)?.hwmMb ?? rss.peakMb;
    const gen = run.result;
    const json = {
      server: 'bare Express 5, express.json()',
      bodyBytes: run.bodyBytes,
      generator: generatorSummary(gen),
      ackedPerSecond: round(gen.ackedPerSecond, 1),
      ackLatencyMs: roundSummary(gen.latency),
      peakRssMb: round(peakRssMb, 1),
      cpu: cpuUse,
    };
    const rows = [
      plainRow(phase, 'requests acknowledged / s', gen.ackedPerSecond),
      plainRow(phase, 'ack latency p50', gen.latency.p50, 'ms'),
      plainRow(phase, 'ack latency p99', gen.latency.p99, 'ms'),
      plainRow(phase, 'ack latency max', gen.latency.max, 'ms'),
      plainRow(phase, 'non-2xx / errors', firstTryFailures(gen)),
      ...cpuRows(phase, 'CPU', cpuUse),
      plainRow(phase, 'peak RSS (server)', peakRssMb, 'MB'),
    ];
    return { json, rows, ackedPerSecond: gen.ackedPerSecond, ackP99Ms: gen.latency.p99 };
  } finally {
    await stopChild(server, 5_000);
  }
}
