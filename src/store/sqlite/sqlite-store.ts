import type { Store } from '../store.js';
import { SqliteAutoRecharge } from './sqlite-auto-recharge.js';
import { SqliteBillingSessions } from './sqlite-billing-sessions.js';
import { SqliteDb } from './sqlite-db.js';
import { SqliteEvents } from './sqlite-events.js';
import { SqliteIdempotency } from './sqlite-idempotency.js';
import { SqliteOutbox } from './sqlite-outbox.js';
import { InProcessRateLimits } from './sqlite-rate-limits.js';
import { SqliteRetention } from './sqlite-retention.js';
import { SqliteState } from './sqlite-state.js';
import { SqliteTopUps } from './sqlite-top-ups.js';

/** Path from `sqlite:<path>`; `sqlite::memory:` is an in-memory database (tests only). */
export function sqlitePathFromUrl(url: string): string {
  return url.replace(/^sqlite:(\/\/)?/, '');
}

/** The embedded store: one SQLite file (see sqlite-db.ts), one part per capability. */
export class SqliteStore implements Store {
  private readonly sql: SqliteDb;
  readonly outbox: SqliteOutbox;
  readonly events: SqliteEvents;
  readonly topUps: SqliteTopUps;
  readonly idempotency: SqliteIdempotency;
  readonly state: SqliteState;
  readonly rateLimits = new InProcessRateLimits();
  readonly retention: SqliteRetention;
  readonly autoRecharge: SqliteAutoRecharge;
  readonly billingSessions: SqliteBillingSessions;

  constructor(path: string, options: { busyTimeoutMs?: number } = {}) {
    this.sql = new SqliteDb(path, options);
    this.outbox = new SqliteOutbox(this.sql);
    this.events = new SqliteEvents(this.sql, this.outbox);
    this.topUps = new SqliteTopUps(this.sql);
    this.idempotency = new SqliteIdempotency(this.sql);
    this.state = new SqliteState(this.sql);
    this.retention = new SqliteRetention(this.sql);
    this.autoRecharge = new SqliteAutoRecharge(this.sql);
    this.billingSessions = new SqliteBillingSessions(this.sql);
  }

  ping(): Promise<void> {
    return this.sql.ping();
  }

  close(): Promise<void> {
    return this.sql.close();
  }
}
