import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** Memory and CPU of a process from /proc (Linux). */

let clockTicks: number | null = null;
function ticksPerSecond(): number {
  if (clockTicks === null) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

export interface MemoryStatus {
  /** Resident set size now, MB. */
  rssMb: number;
  /** Peak resident set size over the process's life (VmHWM), MB. */
  hwmMb: number;
}

/** VmRSS and VmHWM of `pid`, or null when the process is gone. */
export function readMemory(pid: number): MemoryStatus | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return null;
  }
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? Number.NaN);
  return { rssMb: kb('VmRSS') / 1024, hwmMb: kb('VmHWM') / 1024 };
}

/** User + system CPU seconds `pid` has used so far (all threads; only its main thread with `mainThreadOnly`), or null when it is gone. */
export function readCpuSeconds(pid: number, mainThreadOnly = false): number | null {
  let text: string;
  try {
    text = readFileSync(mainThreadOnly ? `/proc/${pid}/task/${pid}/stat` : `/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // The command name (field 2) may contain spaces; fields after its closing parenthesis are fixed.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return (utime + stime) / ticksPerSecond();
}

/** Samples a process's RSS at a fixed interval (bounded number of samples). */
export class RssSampler {
  private timer: NodeJS.Timeout | null = null;
  readonly samples: { at: number; rssMb: number }[] = [];
  peakMb = 0;

  constructor(
    private readonly pid: number,
    private readonly intervalMs = 250,
    private readonly maxSamples = 20_000,
  ) {}

  start(): this {
    this.sample();
    this.timer = setInterval(() => this.sample(), this.intervalMs);
    this.timer.unref();
    return this;
  }

  sample(): void {
    const memory = readMemory(this.pid);
    if (!memory || Number.isNaN(memory.rssMb)) return;
    if (memory.rssMb > this.peakMb) this.peakMb = memory.rssMb;
    if (this.samples.length < this.maxSamples) this.samples.push({ at: Date.now(), rssMb: memory.rssMb });
  }

  /** Highest sample taken in [from, to] (epoch ms). */
  peakBetween(from: number, to: number): number {
    let peak = 0;
    for (const s of this.samples) if (s.at >= from && s.at <= to && s.rssMb > peak) peak = s.rssMb;
    return peak;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}

/** CPU used by a process between start() and stop(), as seconds and as a share of one core. */
export class CpuMeter {
  private startCpu: number | null = null;
  private startAt = 0;
  constructor(
    private readonly pid: number,
    private readonly mainThreadOnly = false,
  ) {}

  start(): this {
    this.startCpu = readCpuSeconds(this.pid, this.mainThreadOnly);
    this.startAt = performance.now();
    return this;
  }

  stop(): { cpuSeconds: number; wallSeconds: number; coresUsed: number } | null {
    const end = readCpuSeconds(this.pid, this.mainThreadOnly);
    if (end === null || this.startCpu === null) return null;
    const wallSeconds = (performance.now() - this.startAt) / 1000;
    const cpuSeconds = end - this.startCpu;
    return { cpuSeconds, wallSeconds, coresUsed: wallSeconds > 0 ? cpuSeconds / wallSeconds : 0 };
  }
}

/** Busy CPU of the whole machine (all processes) from /proc/stat, in cores, over a window. */
export class MachineCpu {
  private startBusy = 0;
  private startTotal = 0;

  private static read(): { busy: number; total: number } {
    try {
      const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
      // cpu user nice system idle iowait irq softirq steal guest guest_nice
      const v = line.trim().split(/\s+/).slice(1).map(Number);
      const idle = (v[3] ?? 0) + (v[4] ?? 0);
      const total = v.slice(0, 8).reduce((a, b) => a + b, 0);
      return { busy: total - idle, total };
    } catch {
      return { busy: 0, total: 0 };
    }
  }

  start(): this {
    const now = MachineCpu.read();
    this.startBusy = now.busy;
    this.startTotal = now.total;
    return this;
  }

  /** Cores busy on average since start() (0..number of cores). */
  busyCores(cores: number): number {
    const now = MachineCpu.read();
    const total = now.total - this.startTotal;
    return total > 0 ? ((now.busy - this.startBusy) / total) * cores : 0;
  }
}

/** CPU seconds so far of every process whose command name is `comm` (e.g. the PostgreSQL server's backends), by pid. */
function cpuByComm(comm: string): Map<number, number> {
  const out = new Map<number, number>();
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return out;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    let text: string;
    try {
      text = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue;
    }
    const open = text.indexOf('(');
    const close = text.lastIndexOf(')');
    if (text.slice(open + 1, close) !== comm) continue;
    const fields = text.slice(close + 2).split(' ');
    out.set(Number(entry), (Number(fields[11]) + Number(fields[12])) / ticksPerSecond());
  }
  return out;
}

/** CPU used over a window by all processes named `comm` (processes that exit during the window are missed). */
export class CommCpu {
  private before = new Map<number, number>();
  private at = 0;
  constructor(private readonly comm: string) {}

  start(): this {
    this.before = cpuByComm(this.comm);
    this.at = performance.now();
    return this;
  }

  coresUsed(): number {
    const wallSeconds = (performance.now() - this.at) / 1000;
    let used = 0;
    for (const [pid, cpu] of cpuByComm(this.comm)) used += cpu - (this.before.get(pid) ?? 0);
    return wallSeconds > 0 ? used / wallSeconds : 0;
  }
}
