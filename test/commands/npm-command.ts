import { spawn, type ChildProcess } from 'node:child_process';
import { TRANSPILED_DIR_VARIABLE } from '../../tools/entry-point.js';
import { ROOT } from '../operations/run-cli.js';

/**
 * `npm run <script>` exactly as a user types it, as a child process group of its own (npm → sh →
 * tsx → node), so a test can interrupt it the way Ctrl-C does and never leaves a process behind.
 * npm runs scripts in the project root, so a developer's .env there can fill variables a test
 * leaves unset (a CI checkout has none); the tests set every variable their assertions depend on.
 */
export interface CommandExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

const live = new Set<NpmCommand>();

export class NpmCommand {
  readonly child: ChildProcess;
  stdout = '';
  stderr = '';
  readonly exited: Promise<CommandExit>;

  constructor(script: string, args: string[], env: Record<string, string | undefined>) {
    const childEnv: Record<string, string> = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      ...(process.env.HOME ? { HOME: process.env.HOME } : {}),
      npm_config_update_notifier: 'false',
      npm_config_fund: 'false',
      // Commands that start the service themselves (npm run soak) start it from the copy of src/
      // this test run transpiled, as every other test does (tools/entry-point.ts), not under tsx.
      ...(process.env[TRANSPILED_DIR_VARIABLE] ? { [TRANSPILED_DIR_VARIABLE]: process.env[TRANSPILED_DIR_VARIABLE] } : {}),
    };
    for (const [k, v] of Object.entries(env)) if (v !== undefined) childEnv[k] = v;
    this.child = spawn('npm', ['run', '--silent', script, ...(args.length > 0 ? ['--', ...args] : [])], {
      cwd: ROOT,
      env: childEnv,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    live.add(this);
    this.child.stdout!.setEncoding('utf8').on('data', (c: string) => (this.stdout += c));
    this.child.stderr!.setEncoding('utf8').on('data', (c: string) => (this.stderr += c));
    this.exited = new Promise((resolve, reject) => {
      this.child.once('error', reject);
      this.child.once('close', (code, signal) => {
        live.delete(this);
        resolve({ code, signal, stdout: this.stdout, stderr: this.stderr });
      });
    });
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Signals every process of the command's group (as Ctrl-C in a terminal does). */
  signalGroup(signal: NodeJS.Signals): void {
    try {
      process.kill(-this.child.pid!, signal);
    } catch {
      // Already gone.
    }
  }

  /** Resolves when stdout matches, fails when the command exits first or `timeoutMs` passes. */
  async waitForOutput(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const m = this.stdout.match(pattern);
      if (m) return m;
      if (!this.running) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`no ${pattern} in the output (${this.running ? 'still running' : 'exited'})\nstdout:\n${this.stdout}\nstderr:\n${this.stderr}`);
  }
}

/** Runs the command to its end; its whole process group is killed if it outlasts `timeoutMs`. */
export async function runNpm(script: string, args: string[], env: Record<string, string | undefined>, timeoutMs: number): Promise<CommandExit> {
  const command = new NpmCommand(script, args, env);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      command.signalGroup('SIGKILL');
      reject(new Error(`npm run ${script} ${args.join(' ')} did not exit within ${timeoutMs} ms\nstdout:\n${command.stdout}\nstderr:\n${command.stderr}`));
    }, timeoutMs);
  });
  try {
    return await Promise.race([command.exited, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** SIGKILLs the process group of every command still running (for afterEach/afterAll). */
export async function killNpmCommands(): Promise<void> {
  const running = [...live];
  for (const command of running) command.signalGroup('SIGKILL');
  await Promise.all(running.map((c) => c.exited.catch(() => undefined)));
}
