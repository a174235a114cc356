import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { StoreUnavailableError } from '../store-errors.js';
import { CheckpointThread } from './checkpoint-thread.js';
import { GroupCommit } from './group-commit.js';
import { sqliteMigrations } from './migrations.js';
import { WalSync } from './wal-sync.js';

/** How often the checkpoint thread copies the WAL into the database file while writes arrive. */
const CHECKPOINT_INTERVAL_MS = 200;

/**
 * One SQLite database shared by the per-capability parts of the store: WAL, and a committed
 * transaction is fsync'd before any write is acknowledged; writes of one event-loop turn share one
 * commit and one fsync (group-commit.ts), and the fsync runs off the event loop (wal-sync.ts).
 * better-sqlite3 is synchronous; the async surface matches the other stores.
 */
export class SqliteDb {
  readonly db: Database.Database;
  private readonly group: GroupCommit;
  private readonly wal: WalSync | null;
  private readonly checkpoints: CheckpointThread | null;

  /**
   * busyTimeoutMs (default 5000): how long a write waits for another connection's lock before
   * SQLITE_BUSY. checkpointThread: checkpoint the WAL from a worker thread (checkpoint-thread.ts;
   * the service's own connection only), reporting problems to onProblem.
   */
  constructor(path: string, options: { busyTimeoutMs?: number; checkpointThread?: { onProblem: (message: string) => void } } = {}) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    // NORMAL: a commit writes the WAL without fsync; GroupCommit fsyncs it off the event loop
    // before any write is acknowledged (wal-sync.ts), which is as durable as FULL.
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma(`busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs ?? 5_000))}`);
    this.db.pragma('foreign_keys = ON');
    this.migrate();
    this.wal = path === ':memory:' ? null : new WalSync(`${path}-wal`);
    this.group = new GroupCommit(this.db, this.wal);
    this.checkpoints =
      path !== ':memory:' && options.checkpointThread
        ? CheckpointThread.start(this.db, { path, intervalMs: CHECKPOINT_INTERVAL_MS }, options.checkpointThread.onProblem)
        : null;
  }

  private migrate(): void {
    this.db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)');
    const applied = new Set(
      (this.db.prepare('SELECT version FROM schema_migrations').all() as { version: number }[]).map((r) => r.version),
    );
    sqliteMigrations.forEach((sql, i) => {
      const version = i + 1;
      if (applied.has(version)) return;
      this.db.transaction(() => {
        this.db.exec(sql);
        this.db.prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)').run(version, Date.now());
      }).immediate();
    });
  }

  prepare(sql: string): Database.Statement {
    return this.db.prepare(sql);
  }

  /** A read. better-sqlite3 throws synchronously; failures to reach the database surface as StoreUnavailableError. */
  read<T>(fn: () => T): Promise<T> {
    try {
      return Promise.resolve(fn());
    } catch (err) {
      return Promise.reject(StoreUnavailableError.classify(err));
    }
  }

  /**
   * A write: committed with the other writes of this event-loop turn (group commit). Pass
   * 'one' for a write of a single statement (no savepoint needed), and 'committed' for one that
   * need not wait for the fsync because losing it in a crash is harmless (see GroupCommit.submit).
   */
  write<T>(fn: () => T, statements: 'one' | 'several' = 'several', durability: 'durable' | 'committed' = 'durable'): Promise<T> {
    if (!this.db.open) return this.read(fn);
    return this.group.submit(fn, statements, durability).catch((err: unknown) => Promise.reject(StoreUnavailableError.classify(err)));
  }

  ping(): Promise<void> {
    return this.read(() => {
      this.db.prepare('SELECT 1').get();
    });
  }

  async close(): Promise<void> {
    if (!this.db.open) return;
    try {
      await this.group.drain();
      await this.checkpoints?.stop();
    } finally {
      this.db.close();
      this.wal?.close();
    }
  }
}
