import { once } from 'node:events';
import type { Worker } from 'node:worker_threads';
import type Database from 'better-sqlite3';
import { startWorkerThread } from '../../threads/start-worker-thread.js';

export interface CheckpointThreadSettings {
  path: string;
  /** How often the WAL is checkpointed while the service writes (more often when it falls behind). */
  intervalMs: number;
}

/**
 * The service's connection would otherwise checkpoint the WAL itself, inside a COMMIT each time
 * the WAL passes 1,000 pages: copying those pages into the database file and fsyncing it, on the
 * thread that acknowledges webhooks, every few hundred webhooks. A worker thread with its own
 * connection (checkpoint-thread-entry.ts) does the copying instead, as writes arrive.
 *
 * The WAL file is only started over by a write that begins when every frame has been copied, and
 * under steady writes the thread's copy is never quite complete at that moment. So the service's
 * connection still checkpoints, at BACKSTOP_PAGES: by then the thread has copied all but the last
 * few frames, so that checkpoint is the short tail (and its fsyncs), after which the next write
 * starts the WAL over. Four times fewer checkpoints on the acknowledging thread, each copying a
 * fraction of what it did; the WAL stays under about BACKSTOP_PAGES pages. Should the thread stop,
 * the connection goes back to SQLite's default.
 */
export class CheckpointThread {
  static readonly BACKSTOP_PAGES = 4_000;
  private static readonly SQLITE_DEFAULT_PAGES = 1_000;
  private stopping = false;
  private exited = false;
  /** WAL frames this thread has copied into the database file (for tests and curiosity). */
  copiedFrames = 0;

  private constructor(
    private readonly worker: Worker,
    private readonly db: Database.Database,
  ) {}

  static start(db: Database.Database, settings: CheckpointThreadSettings, onProblem: (message: string) => void): CheckpointThread {
    const worker = startWorkerThread(import.meta.url, './checkpoint-thread-entry', settings, 'sqlite-checkpoint', {
      maxYoungGenerationSizeMb: 2,
      maxOldGenerationSizeMb: 16,
    });
    worker.unref();
    const thread = new CheckpointThread(worker, db);
    worker.on('message', (message: 'ready' | { copied: number } | { error: string }) => {
      if (message === 'ready') {
        if (!thread.stopping && db.open) db.pragma(`wal_autocheckpoint = ${CheckpointThread.BACKSTOP_PAGES}`);
      } else if ('copied' in message) thread.copiedFrames += message.copied;
      else onProblem(`WAL checkpoint failed (will retry): ${message.error}`);
    });
    worker.on('error', (err) => onProblem(`the WAL checkpoint thread failed: ${err.message}`));
    worker.on('exit', () => {
      thread.exited = true;
      if (thread.stopping) return;
      onProblem('the WAL checkpoint thread stopped: the service checkpoints the WAL itself from now on');
      thread.restoreDefault();
    });
    return thread;
  }

  private restoreDefault(): void {
    if (this.db.open) this.db.pragma(`wal_autocheckpoint = ${CheckpointThread.SQLITE_DEFAULT_PAGES}`);
  }

  /** Before the service's connection closes (its close then checkpoints what is left). */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.restoreDefault();
    if (this.exited) return;
    const exited = once(this.worker, 'exit');
    this.worker.postMessage('stop');
    const timeout = setTimeout(() => void this.worker.terminate(), 5_000);
    await exited;
    clearTimeout(timeout);
  }
}
