import { fork, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { nodeEntry } from '../../tools/entry-point.js';

/** Every instance started and not yet exited, so nothing outlives the soak. */
const live = new Set<ChildProcess>();

export function killAllTickInstances(): number {
  let n = 0;
  for (const child of live) {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      n += 1;
    }
  }
  return n;
}

/** A service instance driven tick by tick over IPC on the soak's virtual clock (instance-main.ts). */
export class TickInstance {
  private child: ChildProcess | null = null;
  private seq = 0;
  private readonly waiting = new Map<number, () => void>();
  kills = 0;
  starts = 0;

  constructor(
    readonly name: string,
    private readonly env: Record<string, string>,
    private readonly cwd: string,
    readonly logFile: string,
  ) {}

  get alive(): boolean {
    return this.child !== null;
  }

  async start(clockStart: number, timeoutMs = 30_000): Promise<void> {
    const log = openSync(this.logFile, 'a');
    const entry = nodeEntry('soak/auto-recharge/instance-main.ts');
    const child = fork(entry.script, [], {
      cwd: this.cwd,
      execArgv: entry.execArgv,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...this.env, SOAK_CLOCK_START: String(clockStart) },
      stdio: ['ignore', log, log, 'ipc'],
    });
    closeSync(log);
    this.child = child;
    this.starts += 1;
    live.add(child);
    child.on('message', (m: { type: string; seq?: number }) => {
      if (m.type === 'ticked' && m.seq !== undefined) this.waiting.get(m.seq)?.();
    });
    child.once('exit', () => {
      live.delete(child);
      if (this.child === child) this.child = null;
      for (const resolve of this.waiting.values()) resolve();
      this.waiting.clear();
    });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.name} not ready after ${timeoutMs} ms; see ${this.logFile}`)), timeoutMs);
      child.on('message', (m: { type: string }) => {
        if (m.type === 'ready') {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`${this.name} exited before it was ready (code ${code}); see ${this.logFile}`));
      });
    });
  }

  /** Sets the instance's clock and runs one tick; resolves when done (or when the instance died). */
  tick(now: number): Promise<void> {
    const child = this.child;
    if (!child) return Promise.resolve();
    const seq = ++this.seq;
    return new Promise<void>((resolve) => {
      this.waiting.set(seq, () => {
        this.waiting.delete(seq);
        resolve();
      });
      child.send({ type: 'tick', now, seq });
    });
  }

  /** SIGKILL: no shutdown code runs (a charge may be cut mid-way). */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    this.kills += 1;
    await exited;
  }

  /** Graceful: the instance closes its service (deliveries in flight finish) and exits. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.disconnect();
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }
}
