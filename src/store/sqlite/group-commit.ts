import type Database from 'better-sqlite3';
import type { WalSync } from './wal-sync.js';

interface Pending {
  fn: () => unknown;
  /** Runs more than one statement, so it needs a savepoint to roll back alone. */
  several: boolean;
  /** Settles only once the WAL is fsync'd; otherwise right after COMMIT (see submit). */
  durable: boolean;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

/**
 * Group commit: writes submitted during one turn of the event loop run in a single transaction,
 * so one fsync makes a whole burst of webhooks durable. Each write runs in its own savepoint: one
 * that throws is rolled back alone and rejects alone; if the commit itself fails, every write of
 * the group rejects. A promise resolves only after its group committed and, for a file database
 * and a durable write, after the WAL was fsync'd (off the event loop, at most one fsync at a time:
 * see wal-sync.ts).
 */
export class GroupCommit {
  private queue: Pending[] = [];
  private scheduled = false;

  private readonly begin: Database.Statement;
  private readonly commit: Database.Statement;
  private readonly rollback: Database.Statement;
  private readonly savepoint: Database.Statement;
  private readonly release: Database.Statement;
  private readonly rollbackTo: Database.Statement;

  constructor(
    private readonly db: Database.Database,
    /** Null for an in-memory database: nothing to make durable. */
    private readonly wal: WalSync | null,
    /** Upper bound on one group, so a huge burst does not hold the write lock for long. */
    private readonly maxGroup = 1_000,
  ) {
    // Prepared once: this runs for every write, and better-sqlite3's transaction() wrapper would
    // build new functions each time.
    this.begin = db.prepare('BEGIN IMMEDIATE');
    this.commit = db.prepare('COMMIT');
    this.rollback = db.prepare('ROLLBACK');
    this.savepoint = db.prepare('SAVEPOINT write');
    this.release = db.prepare('RELEASE write');
    this.rollbackTo = db.prepare('ROLLBACK TO write');
  }

  /**
   * Queues a write. `statements: 'one'` marks a write of a single SQL statement, which SQLite
   * already applies all or nothing: it skips the savepoint. `durability: 'committed'` settles
   * right after COMMIT, without waiting for the fsync: only for writes whose loss in a crash is
   * harmless (the caller says why); the next durable write's fsync covers them anyway.
   */
  submit<T>(fn: () => T, statements: 'one' | 'several' = 'several', durability: 'durable' | 'committed' = 'durable'): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ fn, several: statements === 'several', durable: durability === 'durable', resolve: resolve as (v: unknown) => void, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private runAlone(fn: () => unknown): { ok: boolean; value: unknown } {
    try {
      return { ok: true, value: fn() };
    } catch (err) {
      return { ok: false, value: err };
    }
  }

  private runInSavepoint(fn: () => unknown): { ok: boolean; value: unknown } {
    this.savepoint.run();
    try {
      const value = fn();
      this.release.run();
      return { ok: true, value };
    } catch (err) {
      this.rollbackTo.run();
      this.release.run();
      return { ok: false, value: err };
    }
  }

  /** Commits everything queued now (also called before the database closes). */
  flush(): void {
    this.scheduled = false;
    while (this.queue.length > 0) {
      const group = this.queue.splice(0, this.maxGroup);
      const outcomes: { ok: boolean; value: unknown }[] = [];
      try {
        this.begin.run();
        for (const item of group) outcomes.push(item.several ? this.runInSavepoint(item.fn) : this.runAlone(item.fn));
        this.commit.run();
      } catch (err) {
        if (this.db.inTransaction) this.rollback.run();
        for (const item of group) item.reject(err);
        continue;
      }
      const settle = (durable: boolean) =>
        group.forEach((item, i) => {
          if (item.durable !== durable) return;
          const outcome = outcomes[i]!;
          if (outcome.ok) item.resolve(outcome.value);
          else item.reject(outcome.value);
        });
      settle(false);
      if (!this.wal) settle(true);
      else if (group.some((item) => item.durable)) {
        this.wal.sync().then(
          () => settle(true),
          (err: unknown) => group.forEach((item) => item.durable && item.reject(err)),
        );
      }
    }
  }

  /** Commits what is queued and waits until it is durable (before the database closes). */
  async drain(): Promise<void> {
    this.flush();
    await this.wal?.idle();
  }
}
