import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, writeSync } from 'node:fs';
import net from 'node:net';
import { nodeEntryArgs } from '../tools/entry-point.js';

export { ROOT } from '../tools/entry-point.js';

/** Every child started here and not yet exited, so nothing outlives the soak. */
const live = new Set<ChildProcess>();

/** SIGKILLs every child still running, each by its own pid. Safe to call from signal/exit handlers. */
export function killAllInstances(): number {
  let n = 0;
  for (const child of live) {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      n += 1;
    }
  }
  return n;
}

/** A free TCP port on 127.0.0.1 (asked of the kernel, then released for the child to take). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export interface InstanceExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/**
 * One instance of the real service (src/main.ts, tools/entry-point.ts says how) as a child process on 127.0.0.1,
 * restartable on the same database. Its stdout/stderr go to a log file (appended across
 * restarts), never into this process's memory. The cwd is the run's own directory, so no
 * developer .env is read.
 */
export class ServiceInstance {
  private child: ChildProcess | null = null;
  private exitPromise: Promise<InstanceExit> | null = null;
  private isReady = false;
  private port = 0;
  starts = 0;
  kills = 0;
  /** Graceful stops that had to be finished with SIGKILL. */
  forcedStops = 0;
  readonly exits: InstanceExit[] = [];

  constructor(
    readonly name: string,
    private readonly env: Record<string, string>,
    private readonly cwd: string,
    readonly logFile: string,
  ) {}

  get ready(): boolean {
    return this.isReady;
  }

  get origin(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Starts the process and waits until GET /readyz answers 200 (store open, worker running). */
  async start(timeoutMs = 30_000): Promise<void> {
    if (this.child) throw new Error(`${this.name} is already running`);
    // The same port across restarts, like a restarted server; a new one if it was taken meanwhile.
    let lastError: unknown;
    for (let attempt = 0; attempt < 3; attempt++) {
      if (this.port === 0 || attempt > 0) this.port = await freePort();
      try {
        await this.spawnAndWait(timeoutMs);
        return;
      } catch (err) {
        lastError = err;
        if (this.child) await this.kill();
      }
    }
    throw lastError;
  }

  private async spawnAndWait(timeoutMs: number): Promise<void> {
    const log = openSync(this.logFile, 'a');
    writeSync(log, `\n===== ${this.name} start #${this.starts + 1} on port ${this.port} at ${new Date().toISOString()} =====\n`);
    let child: ChildProcess;
    try {
      child = spawn(process.execPath, nodeEntryArgs('src/main.ts'), {
        cwd: this.cwd,
        // The drain check reads the outbox gauge: fresh at every scrape, not the production 15 s cache.
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', METRICS_OUTBOX_REFRESH_SECONDS: '0', ...this.env, HOST: '127.0.0.1', PORT: String(this.port) },
        stdio: ['ignore', log, log],
      });
    } finally {
      closeSync(log);
    }
    this.child = child;
    this.starts += 1;
    live.add(child);
    this.exitPromise = new Promise<InstanceExit>((resolve) => {
      child.once('exit', (code, signal) => {
        live.delete(child);
        const exit = { code, signal };
        this.exits.push(exit);
        this.isReady = false;
        if (this.child === child) this.child = null;
        resolve(exit);
      });
    });
    const deadline = Date.now() + timeoutMs;
    let last = 'no answer';
    while (Date.now() < deadline) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`${this.name} exited before it was ready (code ${child.exitCode}, signal ${child.signalCode}); see ${this.logFile}`);
      }
      try {
        const res = await fetch(`${this.origin}/readyz`, { signal: AbortSignal.timeout(1_000) });
        await res.arrayBuffer();
        if (res.status === 200) {
          this.isReady = true;
          return;
        }
        last = `HTTP ${res.status}`;
      } catch (err) {
        last = err instanceof Error ? err.message : String(err);
      }
      await sleep(50);
    }
    throw new Error(`${this.name} not ready after ${timeoutMs} ms (${last}); see ${this.logFile}`);
  }

  /** SIGKILL (no shutdown code runs) and wait for the exit. */
  async kill(): Promise<InstanceExit | null> {
    const child = this.child;
    if (!child || !this.exitPromise) return null;
    this.isReady = false;
    child.kill('SIGKILL');
    this.kills += 1;
    return this.exitPromise;
  }

  /** SIGTERM (graceful: drains, closes the store, exits 0), SIGKILL after `graceMs`. */
  async stop(graceMs = 10_000): Promise<InstanceExit | null> {
    const child = this.child;
    if (!child || !this.exitPromise) return null;
    this.isReady = false;
    child.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const exit = await Promise.race([
      this.exitPromise,
      new Promise<null>((resolve) => {
        timer = setTimeout(() => resolve(null), graceMs);
      }),
    ]);
    clearTimeout(timer);
    if (exit) return exit;
    this.forcedStops += 1;
    child.kill('SIGKILL');
    return this.exitPromise;
  }

  /** GET /metrics text, or null if the instance cannot be asked. */
  async metrics(): Promise<string | null> {
    if (!this.isReady) return null;
    try {
      const res = await fetch(`${this.origin}/metrics`, { signal: AbortSignal.timeout(3_000) });
      if (res.status !== 200) {
        await res.arrayBuffer();
        return null;
      }
      return await res.text();
    } catch {
      return null;
    }
  }
}
