import { defineConfig } from 'vitest/config';
import SlowFilesFirst from './test/support/slow-files-first.js';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The child processes tests start run a copy of src/ and soak/ transpiled once per run.
    globalSetup: ['test/support/transpile-once.ts'],
    reporters: ['default', './test/support/summary-reporter.ts'],
    sequence: { sequencer: SlowFilesFirst },
    testTimeout: 20_000,
    hookTimeout: 20_000,
    // Tests start loopback servers and child processes; keep parallelism modest on 2-core machines.
    // Test files share each worker's module graph (isolate: false): importing the service (the
    // Stripe SDK alone is hundreds of modules) once per worker instead of once per file cuts the
    // suite's CPU by more than half. Files must not depend on module state left by another file:
    // every test builds its own service, fakes and store.
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1, isolate: false } },
  },
});
