import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import type { Cleanup } from './cleanup.js';
import { stopChild } from './cleanup.js';
import { readMemory, RssSampler } from './process-stats.js';

/** The service under test: `node dist/main.js` as a child process, its logs in a file of its own. */

/** A free TCP port on 127.0.0.1 (asked of the kernel, then released for the child to take). */
export async function freePort(): Promise<number> {
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

/** Polls `url` until it answers 200, up to `timeoutMs`; throws with `describe()` otherwise. */
export async function waitForOk(url: string, timeoutMs: number, isDead: () => string | null): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    const dead = isDead();
    if (dead) throw new Error(`${url}: the process exited before it was ready (${dead})`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1_000) });
      await res.arrayBuffer();
      if (res.status === 200) return;
      last = `HTTP ${res.status}`;
    } catch (err) {
      last = err instanceof Error ? err.message : String(err);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} not ready after ${timeoutMs} ms (${last})`);
}

export class ServiceProcess {
  readonly rss: RssSampler;

  private constructor(
    readonly child: ChildProcess,
    readonly origin: string,
    readonly logFile: string,
    /** Epoch ms when the process was spawned (≈ where a --cpu-prof profile starts). */
    readonly spawnedAt: number,
  ) {
    this.rss = new RssSampler(child.pid!).start();
  }

  get pid(): number {
    return this.child.pid!;
  }

  /**
   * Starts `node <flags> <repo>/dist/main.js` in `workDir` (so no stray .env is read) with exactly
   * `env` (plus PATH and HOME), and waits for GET /readyz. The flags are `npm start`'s, so the
   * bench measures the service as it runs in production.
   */
  static async start(options: {
    repoRoot: string;
    workDir: string;
    env: Record<string, string>;
    cleanup: Cleanup;
    /** Extra node flags, e.g. --cpu-prof. */
    nodeArgs?: string[];
  }): Promise<ServiceProcess> {
    const port = await freePort();
    const logFile = join(options.workDir, 'service.log');
    const log = openSync(logFile, 'a');
    let child: ChildProcess;
    const spawnedAt = Date.now();
    try {
      child = options.cleanup.track(
        spawn(process.execPath, [...startScriptNodeFlags(options.repoRoot), ...(options.nodeArgs ?? []), join(options.repoRoot, 'dist', 'main.js')], {
          cwd: options.workDir,
          env: {
            PATH: process.env.PATH ?? '/usr/bin:/bin',
            HOME: process.env.HOME ?? options.workDir,
            NODE_ENV: 'production',
            HOST: '127.0.0.1',
            PORT: String(port),
            // The phase reports read the outbox gauge: fresh at every scrape, not the production 15 s cache.
            METRICS_OUTBOX_REFRESH_SECONDS: '0',
            ...options.env,
          },
          stdio: ['ignore', log, log],
        }),
      );
    } finally {
      closeSync(log);
    }
    const origin = `http://127.0.0.1:${port}`;
    const exited = () =>
      child.exitCode !== null || child.signalCode !== null ? `exit ${child.exitCode ?? child.signalCode}; see ${logFile}` : null;
    await waitForOk(`${origin}/readyz`, 30_000, exited);
    return new ServiceProcess(child, origin, logFile, spawnedAt);
  }

  /** GET /metrics as text ('' if it cannot be read). */
  async metricsText(): Promise<string> {
    try {
      const res = await fetch(`${this.origin}/metrics`, { signal: AbortSignal.timeout(5_000) });
      return res.ok ? await res.text() : '';
    } catch {
      return '';
    }
  }

  /** Peak RSS over the process's life (VmHWM), MB; NaN if it is gone. */
  peakRssMb(): number {
    return readMemory(this.pid)?.hwmMb ?? Number.NaN;
  }

  /** SIGTERM (the service drains and exits), SIGKILL after `graceMs`. */
  async stop(graceMs = 15_000): Promise<void> {
    this.rss.stop();
    await stopChild(this.child, graceMs);
  }
}

/** Sums a Prometheus series' samples by one label, e.g. outbox entries by state. */
export function seriesByLabel(metrics: string, name: string, label: string): Record<string, number> {
  const out: Record<string, number> = {};
  const re = new RegExp(`^${name}\\{([^}]*)\\}\\s+([0-9.eE+-]+)`, 'gm');
  for (const m of metrics.matchAll(re)) {
    const value = new RegExp(`${label}="([^"]*)"`).exec(m[1]!)?.[1];
    if (value === undefined) continue;
    out[value] = (out[value] ?? 0) + Number(m[2]);
  }
  return out;
}

/** The node flags of package.json's `start` script (`node <flags> dist/main.js`). */
export function startScriptNodeFlags(repoRoot: string): string[] {
  const start = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start;
  const match = /^node((?:\s+--[\w-]+(?:=\S+)?)*)\s+dist\/main\.js$/.exec(start.trim());
  if (!match) throw new Error(`package.json's start script is not "node <flags> dist/main.js": ${start}`);
  return match[1]!.trim().split(/\s+/).filter(Boolean);
}
