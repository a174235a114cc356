import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nodeEntryArgs } from '../../tools/entry-point.js';

/** The project root, for tests that import it from here. */
export { ROOT } from '../../tools/entry-point.js';

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

const live = new Set<ServiceProcess>();
const tempDirs: string[] = [];

/** A fresh temporary directory, removed by cleanupServiceProcesses(). */
export function tempDir(prefix = 'topup-sync-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
}

/**
 * The real entry point (src/main.ts, tools/entry-point.ts says how) as a child process with exactly `env` (plus PATH).
 *
 * The child runs in an empty temporary directory: main.ts calls dotenv.config(), which reads
 * `<cwd>/.env` and ignores DOTENV_CONFIG_PATH (only the `dotenv/config` preload honours it), so a
 * developer's .env in the project root would otherwise leak into the test.
 */
export class ServiceProcess {
  readonly proc: ChildProcess;
  stdout = '';
  stderr = '';
  readonly exited: Promise<Exit>;
  private exit: Exit | null = null;

  constructor(env: Record<string, string | undefined>, options: { cwd?: string } = {}) {
    const childEnv: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin', DOTENV_CONFIG_PATH: '/nonexistent/topup-sync/.env' };
    for (const [k, v] of Object.entries(env)) if (v !== undefined) childEnv[k] = v;
    this.proc = spawn(process.execPath, nodeEntryArgs('src/main.ts'), {
      cwd: options.cwd ?? tempDir('topup-sync-cwd-'),
      env: childEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    live.add(this);
    this.proc.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      this.stdout += chunk;
    });
    this.proc.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      this.stderr += chunk;
    });
    this.exited = new Promise<Exit>((resolve) => {
      this.proc.once('exit', (code, signal) => {
        this.exit = { code, signal };
        live.delete(this);
        resolve(this.exit);
      });
    });
  }

  get hasExited(): boolean {
    return this.exit !== null;
  }

  /** Parsed JSON log lines written to stdout so far. */
  get logLines(): Record<string, unknown>[] {
    return this.stdout
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .flatMap((l) => {
        try {
          return [JSON.parse(l) as Record<string, unknown>];
        } catch {
          return [];
        }
      });
  }

  /** Waits for the 'topup-sync listening' log line and returns its port (tsx compiles at start: slow on a loaded machine). */
  async listening(timeoutMs = 40_000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const line = this.logLines.find((l) => l.msg === 'topup-sync listening');
      if (line && typeof line.port === 'number') return line.port;
      if (this.hasExited) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`service did not start listening (exit ${JSON.stringify(this.exit)})\nstdout:\n${this.stdout}\nstderr:\n${this.stderr}`);
  }

  /** Resolves with the exit, or rejects after `timeoutMs`. */
  async waitForExit(timeoutMs = 10_000): Promise<Exit> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`service did not exit within ${timeoutMs} ms\nstdout:\n${this.stdout}\nstderr:\n${this.stderr}`)), timeoutMs);
    });
    try {
      return await Promise.race([this.exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Sends `signal` (to this child's pid only) and waits for the exit. */
  async stop(signal: NodeJS.Signals, timeoutMs = 10_000): Promise<Exit> {
    if (!this.hasExited) this.proc.kill(signal);
    return this.waitForExit(timeoutMs);
  }
}

/** SIGKILLs every child still running (by its own pid) and removes temporary directories. */
export async function cleanupServiceProcesses(): Promise<void> {
  const running = [...live];
  for (const child of running) child.proc.kill('SIGKILL');
  await Promise.all(running.map((c) => c.exited));
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}
