import { randomUUID } from 'node:crypto';
import type { ClaimedEntry, DeliveryState, LedgerEntry, OutboxEntry } from '../../ledger/ledger-entry.js';
import type { OutgoingEventRecord } from '../events-out-store.js';
import type { DeliveryFailure, OutboxStore } from '../outbox-store.js';
import { emptyCounts, toOutboxEntry } from '../rows.js';
import type { PgDb, Queryable } from './pg-db.js';
import { insertEventsOut } from './pg-events-out.js';

const INSERT_ENTRY = `
  INSERT INTO outbox (transaction_id, kind, customer_id, company_id, subscription_id, amount_minor, currency,
    payment_intent_id, description, source, state, attempts, next_attempt_at, created_at, updated_at,
    ledger_type, active_at, expire_at, credits, origin)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'pending', 0, $11, $11, $11, $12, $13, $14, $15, $16)
  ON CONFLICT (transaction_id) DO NOTHING`;

/** Queues an entry on `db` (the pool or a running transaction); returns whether it was new. */
export async function insertOutboxEntry(db: Queryable, e: LedgerEntry, source: string, now: number): Promise<boolean> {
  const r = await db.query(INSERT_ENTRY, [
    e.transactionId, e.kind, e.customerId, e.companyId, e.subscriptionId, e.amountMinor, e.currency,
    e.paymentIntentId, e.description, source, now, e.ledgerType ?? null, e.activeAt ?? null, e.expireAt ?? null, e.credits, e.origin ?? null,
  ]);
  return r.rowCount === 1;
}

/**
 * The outbox on PostgreSQL. Rows are claimed with FOR UPDATE SKIP LOCKED plus a lease, so
 * instances never deliver the same row at once and a crashed instance's claims are taken over
 * when the lease runs out; updates of a claimed entry must present its lease token.
 */
export class PgOutbox implements OutboxStore {
  constructor(private readonly db: PgDb) {}

  enqueue(entry: LedgerEntry, source: string, now: number): Promise<boolean> {
    return insertOutboxEntry(this.db, entry, source, now);
  }

  async claimDue(now: number, limit: number, leaseMs: number): Promise<ClaimedEntry[]> {
    const token = randomUUID();
    const { rows } = await this.db.query(
      `UPDATE outbox SET lease_token = $1, lease_until = $2, next_attempt_at = $2, updated_at = $3
       WHERE transaction_id IN (
         SELECT transaction_id FROM outbox
         WHERE state = 'pending' AND next_attempt_at <= $3 AND (lease_until IS NULL OR lease_until < $3)
         ORDER BY next_attempt_at LIMIT $4
         FOR UPDATE SKIP LOCKED)
       RETURNING *`,
      [token, now + leaseMs, now, limit],
    );
    return rows.map((r) => ({ ...toOutboxEntry(r), leaseToken: token }));
  }

  async renewLeases(claims: readonly ClaimedEntry[], leaseUntil: number): Promise<number> {
    if (claims.length === 0) return 0;
    const r = await this.db.query(
      `UPDATE outbox SET lease_until = $1, next_attempt_at = $1
       FROM unnest($2::text[], $3::text[]) AS claim(id, token)
       WHERE outbox.transaction_id = claim.id AND outbox.lease_token = claim.token`,
      [leaseUntil, claims.map((c) => c.transactionId), claims.map((c) => c.leaseToken)],
    );
    return r.rowCount ?? 0;
  }

  /** Runs a lease-guarded update, and writes `events` in the same transaction if it changed the row. */
  private async updateWithEvents(sql: string, params: unknown[], events: readonly OutgoingEventRecord[], now: number): Promise<void> {
    if (events.length === 0) {
      await this.db.query(sql, params);
      return;
    }
    await this.db.transaction(async (client) => {
      const r = await client.query(sql, params);
      if (r.rowCount === 1) await insertEventsOut(client, events, now);
    });
  }

  markDelivered(claim: ClaimedEntry, now: number, events: readonly OutgoingEventRecord[] = []): Promise<void> {
    return this.updateWithEvents(
      `UPDATE outbox SET state = 'delivered', attempts = attempts + 1, delivered_at = $3, updated_at = $3,
         last_error = NULL, last_status = NULL, lease_token = NULL, lease_until = NULL
       WHERE transaction_id = $1 AND lease_token = $2`,
      [claim.transactionId, claim.leaseToken, now],
      events,
      now,
    );
  }

  async scheduleRetry(claim: ClaimedEntry, failure: DeliveryFailure, nextAttemptAt: number, now: number): Promise<void> {
    await this.db.query(
      `UPDATE outbox SET attempts = attempts + 1, next_attempt_at = $3, last_error = $4, last_status = $5,
         updated_at = $6, lease_token = NULL, lease_until = NULL
       WHERE transaction_id = $1 AND lease_token = $2`,
      [claim.transactionId, claim.leaseToken, nextAttemptAt, failure.error, failure.status, now],
    );
  }

  markUndeliverable(
    claim: ClaimedEntry,
    state: 'failed' | 'dead',
    failure: DeliveryFailure,
    now: number,
    events: readonly OutgoingEventRecord[] = [],
  ): Promise<void> {
    return this.updateWithEvents(
      `UPDATE outbox SET state = $3, attempts = attempts + $4, last_error = $5, last_status = $6,
         updated_at = $7, lease_token = NULL, lease_until = NULL
       WHERE transaction_id = $1 AND lease_token = $2`,
      // A `failed` entry was never sent; a `dead` one was (its refusal counts as an attempt).
      [claim.transactionId, claim.leaseToken, state, state === 'dead' ? 1 : 0, failure.error, failure.status, now],
      events,
      now,
    );
  }

  async setSubscription(claim: ClaimedEntry, subscriptionId: string, now: number): Promise<void> {
    await this.db.query(
      'UPDATE outbox SET subscription_id = $3, updated_at = $4 WHERE transaction_id = $1 AND lease_token = $2',
      [claim.transactionId, claim.leaseToken, subscriptionId, now],
    );
  }

  async requeue(transactionId: string, now: number): Promise<boolean> {
    const r = await this.db.query(
      `UPDATE outbox SET state = 'pending', attempts = 0, next_attempt_at = $2, updated_at = $2, lease_token = NULL, lease_until = NULL
       WHERE transaction_id = $1 AND state IN ('failed', 'dead')`,
      [transactionId, now],
    );
    return r.rowCount === 1;
  }

  async requeueAll(state: 'failed' | 'dead', now: number): Promise<number> {
    const r = await this.db.query(
      `UPDATE outbox SET state = 'pending', attempts = 0, next_attempt_at = $2, updated_at = $2, lease_token = NULL, lease_until = NULL
       WHERE state = $1`,
      [state, now],
    );
    return r.rowCount ?? 0;
  }

  async get(transactionId: string): Promise<OutboxEntry | null> {
    const { rows } = await this.db.query('SELECT * FROM outbox WHERE transaction_id = $1', [transactionId]);
    return rows[0] ? toOutboxEntry(rows[0]) : null;
  }

  async list(filter: { state?: DeliveryState; limit: number }): Promise<OutboxEntry[]> {
    const { rows } = filter.state
      ? await this.db.query('SELECT * FROM outbox WHERE state = $1 ORDER BY updated_at DESC, transaction_id LIMIT $2', [filter.state, filter.limit])
      : await this.db.query('SELECT * FROM outbox ORDER BY updated_at DESC, transaction_id LIMIT $1', [filter.limit]);
    return rows.map(toOutboxEntry);
  }

  async countByState(): Promise<Record<DeliveryState, number>> {
    const counts = emptyCounts();
    const { rows } = await this.db.query('SELECT state, COUNT(*)::int AS n FROM outbox GROUP BY state');
    for (const r of rows) counts[r.state as DeliveryState] = Number(r.n);
    return counts;
  }
}
