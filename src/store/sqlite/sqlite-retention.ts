import type { RetentionStore } from '../retention-store.js';
import type { SqliteDb } from './sqlite-db.js';

/** Retention on SQLite: each call one short write of at most `limit` rows (rowid deletes, oldest first). */
export class SqliteRetention implements RetentionStore {
  private readonly s;

  constructor(private readonly sql: SqliteDb) {
    this.s = {
      events: sql.prepare(
        'DELETE FROM stripe_events WHERE rowid IN (SELECT rowid FROM stripe_events WHERE received_at < ? ORDER BY received_at LIMIT ?)',
      ),
      idempotency: sql.prepare(
        'DELETE FROM idempotency_keys WHERE rowid IN (SELECT rowid FROM idempotency_keys WHERE created_at < ? ORDER BY created_at LIMIT ?)',
      ),
      topUps: sql.prepare('DELETE FROM top_ups WHERE rowid IN (SELECT rowid FROM top_ups WHERE created_at < ? ORDER BY created_at LIMIT ?)'),
      // A delivered entry is never updated again, so updated_at is its delivery time (and the indexed column).
      outbox: sql.prepare(
        `DELETE FROM outbox WHERE rowid IN (
           SELECT rowid FROM outbox WHERE state = 'delivered' AND updated_at < @before AND delivered_at < @before
           ORDER BY updated_at LIMIT @limit)
         AND state = 'delivered'`,
      ),
      attempts: sql.prepare(
        `DELETE FROM auto_recharge_attempts WHERE rowid IN (
           SELECT a.rowid FROM auto_recharge_attempts a
           WHERE a.created_at < ? AND a.outcome NOT IN ('in_flight', 'stripe_unavailable', 'requires_action')
             AND a.sequence < (SELECT MAX(b.sequence) FROM auto_recharge_attempts b WHERE b.subscription_id = a.subscription_id)
           ORDER BY a.created_at LIMIT ?)`,
      ),
      history: sql.prepare(
        `DELETE FROM auto_recharge_history WHERE id IN (
           SELECT h.id FROM auto_recharge_history h
           WHERE h.at < ? AND h.id < (SELECT MAX(x.id) FROM auto_recharge_history x WHERE x.subscription_id = h.subscription_id)
           ORDER BY h.at LIMIT ?)`,
      ),
      eventsOut: sql.prepare(
        `DELETE FROM events_out WHERE seq IN (
           SELECT seq FROM events_out WHERE state = 'delivered' AND updated_at < @before ORDER BY updated_at LIMIT @limit)
         AND state = 'delivered'`,
      ),
    };
  }

  pruneEvents(before: number, limit: number): Promise<number> {
    return this.sql.write(() => this.s.events.run(before, limit).changes, 'one');
  }

  pruneIdempotencyKeys(before: number, limit: number): Promise<number> {
    return this.sql.write(() => this.s.idempotency.run(before, limit).changes, 'one');
  }

  pruneTopUps(before: number, limit: number): Promise<number> {
    return this.sql.write(() => this.s.topUps.run(before, limit).changes, 'one');
  }

  pruneDeliveredOutbox(before: number, limit: number): Promise<number> {
    return this.sql.write(() => this.s.outbox.run({ before, limit }).changes, 'one');
  }

  pruneAutoRechargeAttempts(before: number, limit: number): Promise<number> {
    return this.sql.write(() => this.s.attempts.run(before, limit).changes, 'one');
  }

  pruneAutoRechargeHistory(before: number, limit: number): Promise<number> {
    return this.sql.write(() => this.s.history.run(before, limit).changes, 'one');
  }

  pruneDeliveredEvents(before: number, limit: number): Promise<number> {
    return this.sql.write(() => this.s.eventsOut.run({ before, limit }).changes, 'one');
  }
}
