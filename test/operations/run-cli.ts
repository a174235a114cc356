import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nodeEntryArgs } from '../../tools/entry-point.js';

export { ROOT } from '../../tools/entry-point.js';

const live = new Set<ChildProcess>();
const tempDirs: string[] = [];

/** A fresh temporary directory, removed by cleanupCli(). */
export function tempDir(prefix = 'topup-sync-ops-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** The environment a child gets: exactly `env` (undefined values dropped) plus PATH. */
export function childEnv(env: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin' };
  for (const [k, v] of Object.entries(env)) if (v !== undefined) out[k] = v;
  return out;
}

/**
 * Runs `src/<script>` (e.g. 'cli/reconcile.ts') as `npm run …` would (tools/entry-point.ts says how), and resolves when
 * it exits. The cwd is an empty temporary directory: the CLIs call dotenv.config(), which reads
 * `<cwd>/.env`, so a developer's .env in the project root can never leak into a test.
 * The child is SIGKILLed after `timeoutMs`, or by cleanupCli().
 */
export function runCli(script: string, args: string[], env: Record<string, string | undefined>, timeoutMs = 30_000): Promise<CliResult> {
  const child = spawn(process.execPath, nodeEntryArgs(`src/${script}`, args), {
    cwd: tempDir('topup-sync-cli-cwd-'),
    env: childEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  return new Promise<CliResult>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${script} ${args.join(' ')} did not exit within ${timeoutMs} ms\nstdout:\n${stdout}\nstderr:\n${stderr}`));
    }, timeoutMs);
    child.once('error', (err) => {
      clearTimeout(timer);
      live.delete(child);
      reject(err);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      live.delete(child);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** SIGKILLs every CLI child still running, each by its own pid (for afterEach). */
export async function killCliChildren(): Promise<void> {
  const running = [...live];
  await Promise.all(
    running.map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          child.once('exit', () => resolve());
          child.kill('SIGKILL');
        }),
    ),
  );
  live.clear();
}

/** killCliChildren(), then removes every temporary directory made by tempDir() (for afterAll). */
export async function cleanupCli(): Promise<void> {
  await killCliChildren();
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** Parses a CLI's stdout (one pretty-printed JSON value). */
export function parseJson<T = unknown>(result: CliResult): T {
  try {
    return JSON.parse(result.stdout) as T;
  } catch {
    throw new Error(`stdout is not JSON (exit ${result.code})\nstdout:\n${result.stdout}\nstderr:\n${result.stderr}`);
  }
}
