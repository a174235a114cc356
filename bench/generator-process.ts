import { fork } from 'node:child_process';
import { join } from 'node:path';
import type { Cleanup } from './cleanup.js';
import { stopChild } from './cleanup.js';
import type { GeneratorConfig, GeneratorMessage, GeneratorResult } from './load-protocol.js';
import { CpuMeter } from './process-stats.js';

/** Runs bench/load-generator.ts as a child process and returns its report. */

export interface GeneratorRun {
  result: GeneratorResult;
  /** CPU the generator used while sending (its share of the machine). */
  cpu: { cpuSeconds: number; wallSeconds: number; coresUsed: number } | null;
  bodyBytes: number;
}

/**
 * Forks the generator, waits until its events are built, calls `beforeGo` (e.g. to start meters),
 * says go, and waits for the result — at most `timeoutMs` after go.
 */
export async function runGenerator(
  benchDir: string,
  config: GeneratorConfig,
  cleanup: Cleanup,
  timeoutMs: number,
  beforeGo: () => void = () => undefined,
): Promise<GeneratorRun> {
  const child = cleanup.track(
    fork(join(benchDir, 'load-generator.ts'), [], {
      execArgv: ['--import', 'tsx', '--max-old-space-size=2048'],
      env: { ...process.env, BENCH_GENERATOR_CONFIG: JSON.stringify(config) },
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    }),
  );
  const cpu = new CpuMeter(child.pid!);
  try {
    return await new Promise<GeneratorRun>((resolve, reject) => {
      let bodyBytes = 0;
      let timer: NodeJS.Timeout | null = setTimeout(() => reject(new Error('load generator not ready after 120 s')), 120_000);
      const fail = (err: Error) => {
        if (timer) clearTimeout(timer);
        timer = null;
        reject(err);
      };
      child.on('message', (message: GeneratorMessage) => {
        if (message.type === 'ready') {
          if (timer) clearTimeout(timer);
          bodyBytes = message.bodyBytes;
          beforeGo();
          cpu.start();
          timer = setTimeout(() => fail(new Error(`load generator did not finish within ${Math.round(timeoutMs / 1000)} s`)), timeoutMs);
          child.send({ type: 'go' });
        } else if (message.type === 'result') {
          const used = cpu.stop();
          if (timer) clearTimeout(timer);
          timer = null;
          resolve({ result: message.result, cpu: used, bodyBytes });
        } else if (message.type === 'error') {
          fail(new Error(`load generator failed: ${message.message}`));
        }
      });
      child.once('error', fail);
      child.once('exit', (code, signal) => {
        if (timer) fail(new Error(`load generator exited early (${code ?? signal})`));
      });
    });
  } finally {
    await stopChild(child, 2_000);
  }
}
