import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nodeEntryArgs } from '../../tools/entry-point.js';
import { childEnv } from '../operations/run-cli.js';

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

const live = new Set<ServiceChild>();
const cwds: string[] = [];

/**
 * src/main.ts as a child process (tools/entry-point.ts says how), with exactly `env` plus PATH, in an empty temporary
 * cwd (main.ts reads `<cwd>/.env`). Stdout is kept (JSON log lines) for the port and for diagnosis.
 */
export class ServiceChild {
  readonly proc: ChildProcess;
  readonly cwd: string;
  stdout = '';
  stderr = '';
  exit: Exit | null = null;
  readonly exited: Promise<Exit>;
  private scanned = 0;
  private port: number | null = null;

  constructor(
    readonly name: string,
    env: Record<string, string | undefined>,
  ) {
    this.cwd = mkdtempSync(join(tmpdir(), 'topup-sync-multi-cwd-'));
    cwds.push(this.cwd);
    this.proc = spawn(process.execPath, nodeEntryArgs('src/main.ts'), {
      cwd: this.cwd,
      env: childEnv(env),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    live.add(this);
    this.proc.stdout!.setEncoding('utf8').on('data', (c: string) => (this.stdout += c));
    this.proc.stderr!.setEncoding('utf8').on('data', (c: string) => (this.stderr += c));
    this.exited = new Promise<Exit>((resolve) => {
      this.proc.once('exit', (code, signal) => {
        this.exit = { code, signal };
        live.delete(this);
        resolve(this.exit);
      });
    });
  }

  get alive(): boolean {
    return this.exit === null;
  }

  /** Parsed JSON log lines (stdout). */
  logLines(): Record<string, unknown>[] {
    return this.stdout.split('\n').flatMap((l) => {
      if (!l.startsWith('{')) return [];
      try {
        return [JSON.parse(l) as Record<string, unknown>];
      } catch {
        return [];
      }
    });
  }

  /** Waits for the 'topup-sync listening' JSON log line and returns its port. */
  async listening(timeoutMs = 20_000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.port !== null) return this.port;
      const lines = this.stdout.split('\n');
      for (; this.scanned < lines.length - 1; this.scanned++) {
        const line = lines[this.scanned]!;
        if (!line.includes('topup-sync listening')) continue;
        const parsed = JSON.parse(line) as { msg?: string; port?: number };
        if (parsed.msg === 'topup-sync listening' && typeof parsed.port === 'number') this.port = parsed.port;
      }
      if (this.port !== null) return this.port;
      if (!this.alive) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`${this.name} did not start listening (exit ${JSON.stringify(this.exit)})\nstdout:\n${this.stdout.slice(-4000)}\nstderr:\n${this.stderr.slice(-4000)}`);
  }

  /** Sends `signal` to this child's pid only and waits for its exit (SIGKILL after `timeoutMs`). */
  async stop(signal: NodeJS.Signals, timeoutMs = 10_000): Promise<Exit> {
    if (this.alive) this.proc.kill(signal);
    let timer: NodeJS.Timeout | undefined;
    const exit = await Promise.race([
      this.exited,
      new Promise<null>((resolve) => {
        timer = setTimeout(() => resolve(null), timeoutMs);
      }),
    ]);
    clearTimeout(timer);
    if (exit) return exit;
    this.proc.kill('SIGKILL');
    return this.exited;
  }
}

/**
 * SIGTERMs every child still running (each by its own pid), SIGKILLs those not gone after
 * `graceMs`, and removes every child's cwd.
 */
export async function stopAllServiceChildren(graceMs = 5_000): Promise<void> {
  await Promise.all([...live].map((c) => c.stop('SIGTERM', graceMs)));
  for (const dir of cwds.splice(0)) rmSync(dir, { recursive: true, force: true });
}
