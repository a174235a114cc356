import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, TRANSPILED_DIR_VARIABLE } from '../../tools/entry-point.js';
import { transpileTree } from '../../tools/transpile-tree.js';

/**
 * Vitest global setup: transpiles src/ and soak/ once for the whole run, so the child processes the
 * tests start (the service, the CLIs, soak instances) run plain JavaScript instead of compiling
 * under tsx each time (tools/entry-point.ts says what that saves). Each run has its own copy under
 * node_modules/.cache, so two runs in one checkout never share one; it is removed at the end.
 */
export async function setup(): Promise<() => void> {
  const parent = join(ROOT, 'node_modules', '.cache', 'topup-sync');
  mkdirSync(parent, { recursive: true });
  const dir = mkdtempSync(join(parent, 'transpiled-'));
  await transpileTree(ROOT, dir, ['src', 'soak']);
  process.env[TRANSPILED_DIR_VARIABLE] = dir;
  return () => rmSync(dir, { recursive: true, force: true });
}
