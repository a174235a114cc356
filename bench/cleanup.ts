import type { ChildProcess } from 'node:child_process';

/**
 * Everything the benchmark must undo, whatever happens: child processes (killed, never left
 * behind) and other tasks (temporary directories, PostgreSQL schemas). Runs once: at the end, on
 * an error, or on SIGINT/SIGTERM.
 */
export class Cleanup {
  private readonly children = new Set<ChildProcess>();
  private readonly tasks: { what: string; fn: () => Promise<void> | void }[] = [];
  private running: Promise<void> | null = null;
  /** Set when SIGINT/SIGTERM started the cleanup (errors that follow are its consequence). */
  interrupted = false;

  /** Kills `child` at cleanup if it is still running. */
  track<T extends ChildProcess>(child: T): T {
    this.children.add(child);
    child.once('exit', () => this.children.delete(child));
    return child;
  }

  /** Runs `fn` at cleanup (last deferred runs first). */
  defer(what: string, fn: () => Promise<void> | void): void {
    this.tasks.push({ what, fn });
  }

  run(): Promise<void> {
    this.running ??= this.runOnce();
    return this.running;
  }

  private async runOnce(): Promise<void> {
    await Promise.all([...this.children].map((child) => stopChild(child, 5_000)));
    for (const task of this.tasks.reverse()) {
      try {
        await task.fn();
      } catch (err) {
        process.stderr.write(`[bench] cleanup (${task.what}) failed: ${err instanceof Error ? err.message : String(err)}\n`);
      }
    }
  }

  /** SIGINT/SIGTERM: clean up, then exit 130/143. On any exit, children still alive get SIGKILL. */
  installSignalHandlers(): void {
    const onSignal = (signal: NodeJS.Signals, code: number) => {
      this.interrupted = true;
      process.stderr.write(`\n[bench] ${signal}: stopping children and cleaning up\n`);
      const force = setTimeout(() => process.exit(code), 15_000);
      force.unref();
      void this.run().finally(() => process.exit(code));
    };
    process.once('SIGINT', () => onSignal('SIGINT', 130));
    process.once('SIGTERM', () => onSignal('SIGTERM', 143));
    process.once('exit', () => {
      for (const child of this.children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    });
  }
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves when the child has exited. */
export function stopChild(child: ChildProcess, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
