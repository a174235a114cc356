import type { RetentionStore } from '../retention-store.js';
import type { PgDb } from './pg-db.js';

/** Retention on PostgreSQL: each call one short statement of at most `limit` rows, oldest first. */
export class PgRetention implements RetentionStore {
  constructor(private readonly db: PgDb) {}

  private async prune(sql: string, before: number, limit: number): Promise<number> {
    return (await this.db.query(sql, [before, limit])).rowCount ?? 0;
  }

  pruneEvents(before: number, limit: number): Promise<number> {
    return this.prune(
      'DELETE FROM stripe_events WHERE id IN (SELECT id FROM stripe_events WHERE received_at < $1 ORDER BY received_at LIMIT $2 FOR UPDATE SKIP LOCKED)',
      before,
      limit,
    );
  }

  pruneIdempotencyKeys(before: number, limit: number): Promise<number> {
    return this.prune(
      'DELETE FROM idempotency_keys WHERE scope IN (SELECT scope FROM idempotency_keys WHERE created_at < $1 ORDER BY created_at LIMIT $2 FOR UPDATE SKIP LOCKED)',
      before,
      limit,
    );
  }

  pruneTopUps(before: number, limit: number): Promise<number> {
    return this.prune(
      'DELETE FROM top_ups WHERE payment_intent_id IN (SELECT payment_intent_id FROM top_ups WHERE created_at < $1 ORDER BY created_at LIMIT $2 FOR UPDATE SKIP LOCKED)',
      before,
      limit,
    );
  }

  pruneDeliveredOutbox(before: number, limit: number): Promise<number> {
    // A delivered entry is never updated again, so updated_at is its delivery time (and the indexed column).
    return this.prune(
      `DELETE FROM outbox WHERE transaction_id IN (
         SELECT transaction_id FROM outbox WHERE state = 'delivered' AND updated_at < $1 AND delivered_at < $1
         ORDER BY updated_at LIMIT $2 FOR UPDATE SKIP LOCKED)
       AND state = 'delivered'`,
      before,
      limit,
    );
  }

  pruneAutoRechargeAttempts(before: number, limit: number): Promise<number> {
    return this.prune(
      `DELETE FROM auto_recharge_attempts WHERE id IN (
         SELECT a.id FROM auto_recharge_attempts a
         WHERE a.created_at < $1 AND a.outcome NOT IN ('in_flight', 'stripe_unavailable', 'requires_action')
           AND a.sequence < (SELECT MAX(b.sequence) FROM auto_recharge_attempts b WHERE b.subscription_id = a.subscription_id)
         ORDER BY a.created_at LIMIT $2 FOR UPDATE SKIP LOCKED)
       AND outcome NOT IN ('in_flight', 'stripe_unavailable', 'requires_action')`,
      before,
      limit,
    );
  }

  pruneAutoRechargeHistory(before: number, limit: number): Promise<number> {
    return this.prune(
      `DELETE FROM auto_recharge_history WHERE id IN (
         SELECT h.id FROM auto_recharge_history h
         WHERE h.at < $1 AND h.id < (SELECT MAX(x.id) FROM auto_recharge_history x WHERE x.subscription_id = h.subscription_id)
         ORDER BY h.at LIMIT $2 FOR UPDATE SKIP LOCKED)`,
      before,
      limit,
    );
  }

  pruneDeliveredEvents(before: number, limit: number): Promise<number> {
    return this.prune(
      `DELETE FROM events_out WHERE seq IN (
         SELECT seq FROM events_out WHERE state = 'delivered' AND updated_at < $1 ORDER BY updated_at LIMIT $2 FOR UPDATE SKIP LOCKED)
       AND state = 'delivered'`,
      before,
      limit,
    );
  }
}
