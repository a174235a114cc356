import type Database from 'better-sqlite3';

interface Pending {
  fn: () => unknown;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

/**
 * Group commit: writes submitted during one turn of the event loop run in a single transaction,
 * so one fsync makes a whole burst of webhooks durable. Each write runs in its own savepoint: one
 * that throws is rolled back alone and rejects alone; if the commit itself fails, every write of
 * the group rejects. A promise resolves only after its group committed.
 */
export class GroupCommit {
  private queue: Pending[] = [];
  private scheduled = false;

  constructor(
    private readonly db: Database.Database,
    /** Upper bound on one group, so a huge burst does not hold the write lock for long. */
    private readonly maxGroup = 1_000,
  ) {}

  submit<T>(fn: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ fn, resolve: resolve as (v: unknown) => void, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Commits everything queued now (also called before the database closes). */
  flush(): void {
    this.scheduled = false;
    while (this.queue.length > 0) {
      const group = this.queue.splice(0, this.maxGroup);
      const outcomes: { ok: boolean; value: unknown }[] = [];
      try {
        this.db
          .transaction(() => {
            for (const item of group) {
              try {
                outcomes.push({ ok: true, value: this.db.transaction(item.fn)() });
              } catch (err) {
                outcomes.push({ ok: false, value: err });
              }
            }
          })
          .immediate();
      } catch (err) {
        for (const item of group) item.reject(err);
        continue;
      }
      group.forEach((item, i) => {
        const outcome = outcomes[i]!;
        if (outcome.ok) item.resolve(outcome.value);
        else item.reject(outcome.value);
      });
    }
  }
}
