import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../operations/run-cli.js';

/**
 * The commands users run (src/, soak/, bench/) must never load test code: test/support imports
 * vitest, which crashes outside a test run ("Vitest failed to access its internal state"), and
 * `npm run soak` once did exactly that while every test stayed green.
 */
function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

const IMPORT = /(?:from\s+|import\s*\(\s*|import\s+)['"]([^'"]+)['"]/g;

describe('commands do not depend on test code', () => {
  it.each(['src', 'soak', 'bench'])('nothing under %s/ imports test/ or vitest', (dir) => {
    const offenders: string[] = [];
    for (const file of sourceFiles(join(ROOT, dir))) {
      for (const [, spec] of readFileSync(file, 'utf8').matchAll(IMPORT)) {
        if (spec === 'vitest' || spec!.startsWith('vitest/') || /(^|\/)test\//.test(spec!)) {
          offenders.push(`${relative(ROOT, file)} imports ${spec}`);
        }
      }
    }
    expect(offenders).toEqual([]);
  });
});
