import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';

/** Another process owns the SQLite store file: this one must not deliver from it. Not retryable as is. */
export class StoreFileInUseError extends Error {
  readonly retryable = false;

  constructor(
    readonly path: string,
    /** The owner's pid as it recorded it; null if it could not be read (it was just starting). */
    readonly ownerPid: number | null,
  ) {
    const owner = ownerPid === null ? 'another process' : `another process (pid ${ownerPid})`;
    super(
      `the SQLite store ${path} is in use by ${owner}: one topup-sync service per file. ` +
        'Stop that one first, or use PostgreSQL (DATABASE_URL=postgres://…) to run several instances. ' +
        '(npm run admin and npm run reconcile may run beside it.)',
    );
    this.name = 'StoreFileInUseError';
  }
}

/**
 * Makes one process at a time the owner of a SQLite store file, so that the owner knows every
 * lease in it is its own or a dead process's and can release them all at start-up (a credit
 * whose delivery was cut short by a crash goes out again at once, not after its lease).
 *
 * The lock is an open write transaction on a small SQLite database beside the store
 * (`<store>.lock`): SQLite holds it with an OS file lock, which the kernel drops when the process
 * dies however it dies (SIGKILL included), so a stale lock cannot outlive its owner, and a reused
 * pid (a container restarted as pid 1) cannot fool it. The owner's pid is committed first, and
 * WAL lets a second process read it while the write lock is held, to name it in its error.
 */
export class StoreFileLock {
  private constructor(private readonly db: Database.Database) {}

  /** Takes the lock at once or throws StoreFileInUseError. */
  static acquire(storePath: string): StoreFileLock {
    // The lock file sits beside the store, so its folder must exist before the store's does (a
    // fresh clone has no data/ folder yet).
    mkdirSync(dirname(storePath), { recursive: true });
    const db = new Database(`${storePath}.lock`, { timeout: 0 });
    try {
      db.pragma('journal_mode = WAL');
      db.exec('BEGIN IMMEDIATE');
      db.exec('CREATE TABLE IF NOT EXISTS owner (id INTEGER PRIMARY KEY CHECK (id = 1), pid INTEGER NOT NULL, since INTEGER NOT NULL)');
      db.prepare('INSERT OR REPLACE INTO owner (id, pid, since) VALUES (1, ?, ?)').run(process.pid, Date.now());
      db.exec('COMMIT');
      // Between COMMIT and this BEGIN another starter can take the lock: then it is the owner.
      db.exec('BEGIN IMMEDIATE');
      return new StoreFileLock(db);
    } catch (err) {
      if (!isBusy(err)) {
        db.close();
        throw err;
      }
      const pid = ownerPid(db);
      db.close();
      throw new StoreFileInUseError(storePath, pid === process.pid ? null : pid);
    }
  }

  release(): void {
    if (!this.db.open) return;
    if (this.db.inTransaction) this.db.exec('ROLLBACK');
    this.db.close();
  }
}

function isBusy(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^SQLITE_(BUSY|LOCKED)/.test(code);
}

function ownerPid(db: Database.Database): number | null {
  try {
    if (db.inTransaction) db.exec('ROLLBACK');
    const row = db.prepare('SELECT pid FROM owner WHERE id = 1').get() as { pid: number } | undefined;
    return row?.pid ?? null;
  } catch {
    return null; // the first owner has not committed its pid yet
  }
}
