import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startScriptNodeFlags } from '../../bench/service-process.js';
import { ROOT } from '../operations/run-cli.js';

/**
 * The service runs as `node <flags> dist/main.js` under `npm start` and in the Docker image (Node 24).
 * Node refuses to start on a flag it does not know, and CI's Node 24 pass does not run `npm start`
 * itself (its test builds with tsc, which does not depend on the runtime), so the flags are checked
 * here against the Node running the suite, and the image's CMD against `npm start`.
 */
describe("npm start's node flags", () => {
  const flags = startScriptNodeFlags(ROOT);

  it('are accepted by this Node', () => {
    const run = spawnSync(process.execPath, [...flags, '-e', 'process.exit(0)'], { encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
  });

  it("are the Docker image's, which runs the same dist/main.js", () => {
    const cmd = /^CMD \[(.*)\]$/m.exec(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'))?.[1];
    expect(cmd && (JSON.parse(`[${cmd}]`) as string[])).toEqual(['node', ...flags, 'dist/main.js']);
  });
});
