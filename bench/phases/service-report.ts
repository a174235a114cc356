import os from 'node:os';
import { round } from '../percentiles.js';
import { CommCpu, CpuMeter, MachineCpu } from '../process-stats.js';
import type { ServiceProcess } from '../service-process.js';
import { seriesByLabel } from '../service-process.js';
import { plainRow, targetRow, type ReportRow } from '../report.js';
import { firstTryFailures, type BenchContext, type CreditCheck } from './context.js';
import type { GeneratorResult } from '../load-protocol.js';

/** Rows and JSON shared by the phases that run a server. */

/** The targets are stated for SQLite with full durability (fsync'd commits on a real disk). */
export function durableSqlite(ctx: BenchContext): boolean {
  return ctx.options.store === 'sqlite' && !ctx.dataOnTmpfs;
}

export function correctnessRows(phase: string, check: CreditCheck, gen: GeneratorResult): ReportRow[] {
  const warmup = gen.warmupSent;
  const failures = firstTryFailures(gen);
  return [
    ...(failures > 0 ? [plainRow(phase, 'webhooks not 2xx at first try (retried)', failures)] : []),
    plainRow(phase, warmup > 0 ? `credits expected (incl. ${warmup.toLocaleString('en-US')} warm-up)` : 'credits expected', check.expected),
    targetRow(phase, 'credits delivered (distinct)', check.delivered, '', { op: '==', bound: check.expected, applies: true, label: '(expected)' }),
    targetRow(phase, 'credits duplicated', check.duplicates, '', { op: '==', bound: 0, applies: true }),
    ...(check.unexpected > 0 ? [targetRow(phase, 'credits not sent by this phase', check.unexpected, '', { op: '==', bound: 0, applies: true })] : []),
    ...(check.neverAcked > 0 ? [targetRow(phase, 'webhooks never acknowledged', check.neverAcked, '', { op: '==', bound: 0, applies: true })] : []),
  ];
}

/** What the service's own /metrics say at the end of a phase. */
export async function serviceMetrics(service: ServiceProcess): Promise<Record<string, Record<string, number>>> {
  const text = await service.metricsText();
  return {
    outboxEntries: seriesByLabel(text, 'topup_sync_outbox_entries', 'state'),
    deliveryAttempts: seriesByLabel(text, 'topup_sync_delivery_attempts_total', 'result'),
    webhooks: seriesByLabel(text, 'topup_sync_webhooks_received_total', 'outcome'),
    moesifResponses: seriesByLabel(text, 'topup_sync_moesif_responses_total', 'status_class'),
  };
}

export interface CpuBreakdown {
  /** Cores used on average by each, over the window. */
  server: number;
  /** The server's main (JavaScript) thread alone: near 1.0 means CPU-bound; well below with load waiting means blocked (e.g. in fsync). */
  serverMainThread: number;
  generator: number;
  /** This orchestrator process: the fake Moesif, the fake Stripe, the RSS sampler. */
  fakes: number;
  /** The PostgreSQL server's processes (--store postgres), else null. */
  database: number | null;
  /** Everything else on the machine (other jobs distort the numbers when this is not ~0). */
  other: number;
  machineBusy: number;
  wallSeconds: number;
}

/**
 * Where the machine's CPU went during a window: the server under test, the load generator, the
 * fakes (this process), and anything else running on the machine.
 */
export class PhaseCpu {
  private readonly server: CpuMeter;
  private readonly serverMain: CpuMeter;
  private readonly machine = new MachineCpu();
  private readonly database: CommCpu | null;
  private own = process.cpuUsage();
  private at = 0;

  constructor(serverPid: number, store: 'sqlite' | 'postgres' = 'sqlite') {
    this.server = new CpuMeter(serverPid);
    this.serverMain = new CpuMeter(serverPid, true);
    this.database = store === 'postgres' ? new CommCpu('postgres') : null;
  }

  start(): void {
    this.server.start();
    this.serverMain.start();
    this.machine.start();
    this.database?.start();
    this.own = process.cpuUsage();
    this.at = performance.now();
  }

  stop(generator: { coresUsed: number } | null): CpuBreakdown {
    const wallSeconds = (performance.now() - this.at) / 1000;
    const server = this.server.stop()?.coresUsed ?? Number.NaN;
    const serverMainThread = this.serverMain.stop()?.coresUsed ?? Number.NaN;
    const ownUsed = process.cpuUsage(this.own);
    const fakes = wallSeconds > 0 ? (ownUsed.user + ownUsed.system) / 1e6 / wallSeconds : 0;
    const machineBusy = this.machine.busyCores(os.availableParallelism());
    const gen = generator?.coresUsed ?? 0;
    const database = this.database ? this.database.coresUsed() : null;
    return {
      server: round(server, 2),
      serverMainThread: round(serverMainThread, 2),
      generator: round(gen, 2),
      fakes: round(fakes, 2),
      database: database === null ? null : round(database, 2),
      other: round(Math.max(0, machineBusy - server - gen - fakes - (database ?? 0)), 2),
      machineBusy: round(machineBusy, 2),
      wallSeconds: round(wallSeconds, 2),
    };
  }
}

export function cpuRows(phase: string, label: string, cpu: CpuBreakdown, withGenerator = true): ReportRow[] {
  const db = cpu.database === null ? [] : [cpu.database];
  const parts = [cpu.server, ...(withGenerator ? [cpu.generator] : []), cpu.fakes, ...db, cpu.other].map((v) => v.toFixed(2));
  const names = ['server', ...(withGenerator ? ['generator'] : []), 'fakes', ...(db.length ? ['postgres'] : []), 'other'].join(' / ');
  return [
    plainRow(phase, `${label}: ${names}`, parts.join(' / '), 'cores'),
    plainRow(phase, `${label}: server main thread`, cpu.serverMainThread, 'cores'),
  ];
}

/** Warns on stderr when something outside the benchmark used a noticeable share of the CPU. */
export function warnIfBusy(ctx: BenchContext, phase: string, cpu: CpuBreakdown): void {
  if (cpu.other > 0.15) {
    ctx.log(`WARNING ${phase}: other processes on this machine used ${cpu.other.toFixed(2)} cores during the measurement; the numbers are distorted`);
  }
}
