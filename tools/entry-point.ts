import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/**
 * How the tests and the soak start one of the project's TypeScript entry points (src/main.ts, a CLI
 * under src/cli/, soak/auto-recharge/instance-main.ts) as a child process of plain `node`.
 *
 * By default through tsx's loader, which transpiles every module as the child loads it: on a 2-core
 * machine that is about 2.5 s of CPU more per process than running JavaScript (3.9 s against 1.4 s
 * for `admin counts`), and the suite starts well over a hundred such processes. When
 * TOPUP_SYNC_TRANSPILED_DIR names a transpiled copy of the tree (the test suite makes one per run:
 * test/support/transpile-once.ts, with tools/transpile-tree.ts), the child runs that copy instead:
 * the same esbuild transform tsx applies, done once.
 */

/** The project root (this file is tools/entry-point.ts). */
export const ROOT = fileURLToPath(new URL('../', import.meta.url));

/** Environment variable naming the transpiled copy of the tree, when there is one. */
export const TRANSPILED_DIR_VARIABLE = 'TOPUP_SYNC_TRANSPILED_DIR';

/** tsx's ESM loader, resolved from the project, so a child runs the TypeScript sources from any cwd. */
export const TSX_LOADER = pathToFileURL(createRequire(join(ROOT, 'package.json')).resolve('tsx')).href;

export interface NodeEntry {
  /** The module to run. */
  script: string;
  /** Node flags that must come before it (tsx's loader, or none). */
  execArgv: string[];
}

/** `relativePath` is a .ts file from the root, e.g. 'src/main.ts' or 'src/cli/admin.ts'. */
export function nodeEntry(relativePath: string): NodeEntry {
  if (!relativePath.endsWith('.ts')) throw new Error(`nodeEntry: ${relativePath} is not a .ts file`);
  const transpiled = process.env[TRANSPILED_DIR_VARIABLE];
  if (transpiled) return { script: join(transpiled, relativePath.replace(/\.ts$/, '.js')), execArgv: [] };
  return { script: join(ROOT, relativePath), execArgv: ['--import', TSX_LOADER] };
}

/** The arguments of `node` that run `relativePath` with `args`. */
export function nodeEntryArgs(relativePath: string, args: string[] = []): string[] {
  const entry = nodeEntry(relativePath);
  return [...entry.execArgv, entry.script, ...args];
}
