import type { Store } from '../store.js';
import { SqliteAutoRecharge } from './sqlite-auto-recharge.js';
import { SqliteBillingSessions } from './sqlite-billing-sessions.js';
import { SqliteDb } from './sqlite-db.js';
import { SqliteEvents } from './sqlite-events.js';
import { SqliteEventsOut } from './sqlite-events-out.js';
import { SqliteHistory } from './sqlite-history.js';
import { SqliteIdempotency } from './sqlite-idempotency.js';
import { SqliteOutbox } from './sqlite-outbox.js';
import { InProcessRateLimits } from './sqlite-rate-limits.js';
import { SqliteRetention } from './sqlite-retention.js';
import { SqliteState } from './sqlite-state.js';
import { SqliteTopUps } from './sqlite-top-ups.js';
import { StoreFileLock } from './store-file-lock.js';

/** Path from `sqlite:<path>`; `sqlite::memory:` is an in-memory database (tests only). */
export function sqlitePathFromUrl(url: string): string {
  return url.replace(/^sqlite:(\/\/)?/, '');
}

export interface SqliteStoreOptions {
  /** How long a write waits for another connection's lock before SQLITE_BUSY (default 5000). */
  busyTimeoutMs?: number;
  /**
   * The service process that delivers from this file: takes the file's lock (store-file-lock.ts;
   * a second owner is refused) and releases every outbox lease, which can then only be a dead
   * process's. Operator commands (npm run admin, npm run reconcile) open the file without it,
   * beside a running service: they never claim or lease entries.
   */
  owner?: boolean;
  /** The owner's WAL checkpoints run on a worker thread (checkpoint-thread.ts); its problems go here. */
  onCheckpointProblem?: (message: string) => void;
}

/** The embedded store: one SQLite file (see sqlite-db.ts), one part per capability. */
export class SqliteStore implements Store {
  private readonly sql: SqliteDb;
  private readonly lock: StoreFileLock | null;
  /** How many leases of a previous process this one released when it opened the file as owner. */
  readonly releasedLeases: number;
  readonly outbox: SqliteOutbox;
  readonly events: SqliteEvents;
  readonly topUps: SqliteTopUps;
  readonly idempotency: SqliteIdempotency;
  readonly state: SqliteState;
  readonly rateLimits = new InProcessRateLimits();
  readonly retention: SqliteRetention;
  readonly autoRecharge: SqliteAutoRecharge;
  readonly billingSessions: SqliteBillingSessions;
  readonly history: SqliteHistory;
  readonly eventsOut: SqliteEventsOut;

  constructor(path: string, options: SqliteStoreOptions = {}) {
    this.lock = options.owner && path !== ':memory:' ? StoreFileLock.acquire(path) : null;
    try {
      this.sql = new SqliteDb(path, {
        busyTimeoutMs: options.busyTimeoutMs,
        checkpointThread: options.owner ? { onProblem: options.onCheckpointProblem ?? (() => {}) } : undefined,
      });
    } catch (err) {
      this.lock?.release();
      throw err;
    }
    this.eventsOut = new SqliteEventsOut(this.sql);
    this.outbox = new SqliteOutbox(this.sql, this.eventsOut);
    this.events = new SqliteEvents(this.sql, this.outbox, this.eventsOut);
    this.topUps = new SqliteTopUps(this.sql);
    this.idempotency = new SqliteIdempotency(this.sql);
    this.state = new SqliteState(this.sql);
    this.retention = new SqliteRetention(this.sql);
    this.autoRecharge = new SqliteAutoRecharge(this.sql, this.eventsOut);
    this.billingSessions = new SqliteBillingSessions(this.sql);
    this.history = new SqliteHistory(this.sql);
    this.releasedLeases = options.owner ? this.outbox.releaseAllLeases() : 0;
  }

  ping(): Promise<void> {
    return this.sql.ping();
  }

  async close(): Promise<void> {
    try {
      await this.sql.close();
    } finally {
      this.lock?.release();
    }
  }
}
