import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { Cleanup } from './cleanup.js';

/**
 * A bench-only server (the bare-Express baseline, the floor) forked under tsx with only PATH,
 * NODE_ENV and `env`; it sends `{ type: 'listening', port }` over IPC once it listens.
 */
export async function forkBenchServer(
  ctx: { benchDir: string; repoRoot: string; cleanup: Cleanup },
  file: string,
  label: string,
  env: Record<string, string> = {},
): Promise<{ child: ChildProcess; port: number }> {
  const child = ctx.cleanup.track(
    fork(join(ctx.benchDir, file), [], {
      execArgv: ['--import', 'tsx'],
      cwd: ctx.repoRoot,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', NODE_ENV: 'production', ...env },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    }),
  );
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${label} did not start within 30 s`)), 30_000);
    child.once('message', (m: { type?: string; port?: number }) => {
      clearTimeout(timer);
      if (m.type === 'listening' && m.port) resolve(m.port);
      else reject(new Error(`unexpected message from the ${label}`));
    });
    child.once('exit', (code) => reject(new Error(`${label} exited (${code})`)));
  });
  return { child, port };
}
