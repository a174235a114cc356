import type { Store } from '../store.js';
import { PgAutoRecharge } from './pg-auto-recharge.js';
import { PgBillingSessions } from './pg-billing-sessions.js';
import { PgDb } from './pg-db.js';
import { PgEvents } from './pg-events.js';
import { PgEventsOut } from './pg-events-out.js';
import { PgHistory } from './pg-history.js';
import { PgIdempotency } from './pg-idempotency.js';
import { PgOutbox } from './pg-outbox.js';
import { PgRateLimits } from './pg-rate-limits.js';
import { PgRetention } from './pg-retention.js';
import { PgState } from './pg-state.js';
import { PgTopUps } from './pg-top-ups.js';

export { parsePostgresUrl } from './pg-db.js';

/**
 * The shared store for several instances (see pg-db.ts for the pool and pg-outbox.ts for how
 * claims work), one part per capability. Commits are durable before a webhook is acknowledged.
 */
export class PostgresStore implements Store {
  readonly outbox: PgOutbox;
  readonly events: PgEvents;
  readonly topUps: PgTopUps;
  readonly idempotency: PgIdempotency;
  readonly state: PgState;
  readonly rateLimits: PgRateLimits;
  readonly retention: PgRetention;
  readonly autoRecharge: PgAutoRecharge;
  readonly billingSessions: PgBillingSessions;
  readonly history: PgHistory;
  readonly eventsOut: PgEventsOut;

  private constructor(private readonly db: PgDb) {
    this.outbox = new PgOutbox(db);
    this.events = new PgEvents(db);
    this.topUps = new PgTopUps(db);
    this.idempotency = new PgIdempotency(db);
    this.state = new PgState(db);
    this.rateLimits = new PgRateLimits(db);
    this.retention = new PgRetention(db);
    this.autoRecharge = new PgAutoRecharge(db);
    this.billingSessions = new PgBillingSessions(db);
    this.history = new PgHistory(db);
    this.eventsOut = new PgEventsOut(db);
  }

  static async open(url: string, poolSize = 10): Promise<PostgresStore> {
    return new PostgresStore(await PgDb.open(url, poolSize));
  }

  ping(): Promise<void> {
    return this.db.ping();
  }

  close(): Promise<void> {
    return this.db.close();
  }
}
