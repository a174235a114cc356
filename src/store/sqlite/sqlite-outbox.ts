import { randomUUID } from 'node:crypto';
import type { ClaimedEntry, DeliveryState, LedgerEntry, OutboxEntry } from '../../ledger/ledger-entry.js';
import type { OutgoingEventRecord } from '../events-out-store.js';
import type { DeliveryFailure, OutboxStore } from '../outbox-store.js';
import { emptyCounts, toOutboxEntry, type Row } from '../rows.js';
import type { SqliteDb } from './sqlite-db.js';
import type { SqliteEventsOut } from './sqlite-events-out.js';

/**
 * The outbox on SQLite. Updates of a claimed entry must present its lease token.
 *
 * Delivery bookkeeping (claims, lease renewals, an attempt's outcome) does not wait for the WAL
 * fsync (DELIVERY_BOOKKEEPING). A process crash loses nothing committed; a power loss or OS crash
 * can lose its last moments, and then the entry is pending again (its lease released at the
 * restart), so it is posted again with the same transaction_id, which Moesif de-duplicates (a
 * refused one is refused again). Queueing an entry
 * and an operator's requeue stay durable: those are what must never be lost.
 */
const DELIVERY_BOOKKEEPING = 'committed';

/** The outbox on SQLite (see above). */
export class SqliteOutbox implements OutboxStore {
  private readonly s;

  constructor(
    private readonly sql: SqliteDb,
    private readonly eventsOut: SqliteEventsOut,
  ) {
    this.s = {
      insert: sql.prepare(
        `INSERT INTO outbox (transaction_id, kind, customer_id, company_id, subscription_id, amount_minor, currency,
           payment_intent_id, description, source, state, attempts, next_attempt_at, created_at, updated_at,
           ledger_type, active_at, expire_at, credits, origin)
         VALUES (@transactionId, @kind, @customerId, @companyId, @subscriptionId, @amountMinor, @currency,
           @paymentIntentId, @description, @source, 'pending', 0, @now, @now, @now, @ledgerType, @activeAt, @expireAt, @credits, @origin)
         ON CONFLICT (transaction_id) DO NOTHING`,
      ),
      // Two statements in one transaction rather than UPDATE … WHERE transaction_id IN (SELECT …):
      // SQLite ran that form in 30-500 µs even with nothing due (slowest on small tables), these
      // in 6-9 µs.
      due: sql
        .prepare(
          `SELECT transaction_id FROM outbox
           WHERE state = 'pending' AND next_attempt_at <= @now AND (lease_until IS NULL OR lease_until < @now)
           ORDER BY next_attempt_at LIMIT @limit`,
        )
        .pluck(),
      claim: sql.prepare(
        `UPDATE outbox SET lease_token = @token, lease_until = @leaseUntil, next_attempt_at = @leaseUntil, updated_at = @now
         WHERE transaction_id = @id RETURNING *`,
      ),
      delivered: sql.prepare(
        `UPDATE outbox SET state = 'delivered', attempts = attempts + 1, delivered_at = @now, updated_at = @now,
           last_error = NULL, last_status = NULL, lease_token = NULL, lease_until = NULL
         WHERE transaction_id = @id AND lease_token = @token`,
      ),
      retry: sql.prepare(
        `UPDATE outbox SET attempts = attempts + 1, next_attempt_at = @next, last_error = @error, last_status = @status,
           updated_at = @now, lease_token = NULL, lease_until = NULL
         WHERE transaction_id = @id AND lease_token = @token`,
      ),
      undeliverable: sql.prepare(
        `UPDATE outbox SET state = @state, attempts = attempts + @counted, last_error = @error, last_status = @status,
           updated_at = @now, lease_token = NULL, lease_until = NULL
         WHERE transaction_id = @id AND lease_token = @token`,
      ),
      setSubscription: sql.prepare(
        `UPDATE outbox SET subscription_id = @sub, updated_at = @now WHERE transaction_id = @id AND lease_token = @token`,
      ),
      requeue: sql.prepare(
        `UPDATE outbox SET state = 'pending', attempts = 0, next_attempt_at = @now, updated_at = @now,
           lease_token = NULL, lease_until = NULL
         WHERE transaction_id = @id AND state IN ('failed', 'dead')`,
      ),
      requeueAll: sql.prepare(
        `UPDATE outbox SET state = 'pending', attempts = 0, next_attempt_at = @now, updated_at = @now,
           lease_token = NULL, lease_until = NULL
         WHERE state = @state`,
      ),
      // A released entry is due again from when it was claimed (updated_at: renewals leave it).
      releaseAll: sql.prepare('UPDATE outbox SET lease_token = NULL, lease_until = NULL, next_attempt_at = updated_at WHERE lease_token IS NOT NULL'),
      renew: sql.prepare('UPDATE outbox SET lease_until = @until, next_attempt_at = @until WHERE transaction_id = @id AND lease_token = @token'),
      get: sql.prepare('SELECT * FROM outbox WHERE transaction_id = ?'),
      listAll: sql.prepare('SELECT * FROM outbox ORDER BY updated_at DESC, transaction_id LIMIT ?'),
      listByState: sql.prepare('SELECT * FROM outbox WHERE state = ? ORDER BY updated_at DESC, transaction_id LIMIT ?'),
      countByState: sql.prepare('SELECT state, COUNT(*) AS n FROM outbox GROUP BY state'),
    };
  }

  /** Inserts inside a write that is already running (e.g. an event's transaction). Returns whether it was new. */
  insertNow(entry: LedgerEntry, source: string, now: number): boolean {
    const optional = { ledgerType: entry.ledgerType ?? null, activeAt: entry.activeAt ?? null, expireAt: entry.expireAt ?? null, origin: entry.origin ?? null };
    return this.s.insert.run({ ...entry, ...optional, source, now }).changes === 1;
  }

  enqueue(entry: LedgerEntry, source: string, now: number): Promise<boolean> {
    return this.sql.write(() => this.insertNow(entry, source, now), 'one');
  }

  claimDue(now: number, limit: number, leaseMs: number): Promise<ClaimedEntry[]> {
    return this.sql.write(() => {
      const ids = this.s.due.all({ now, limit }) as string[];
      if (ids.length === 0) return [];
      const token = randomUUID();
      const claim = { token, leaseUntil: now + leaseMs, now, id: '' };
      return ids.map((id) => {
        claim.id = id;
        return { ...toOutboxEntry(this.s.claim.get(claim) as Row), leaseToken: token };
      });
    }, 'several', DELIVERY_BOOKKEEPING);
  }

  /**
   * Releases every lease at once, outside the group commit: called only by the file's owner as it
   * opens (sqlite-store.ts), when any lease left is a dead process's. Not fsync'd on purpose: if
   * it is lost, so is this process, and the next owner releases them again.
   */
  releaseAllLeases(): number {
    return this.s.releaseAll.run().changes;
  }

  renewLeases(claims: readonly ClaimedEntry[], leaseUntil: number): Promise<number> {
    return this.sql.write(() => {
      let renewed = 0;
      for (const c of claims) renewed += this.s.renew.run({ id: c.transactionId, token: c.leaseToken, until: leaseUntil }).changes;
      return renewed;
    }, 'several', DELIVERY_BOOKKEEPING);
  }

  markDelivered(claim: ClaimedEntry, now: number, events: readonly OutgoingEventRecord[] = []): Promise<void> {
    return this.sql.write(
      () => {
        const changed = this.s.delivered.run({ id: claim.transactionId, token: claim.leaseToken, now }).changes === 1;
        if (changed) this.eventsOut.insertNow(events, now);
      },
      events.length > 0 ? 'several' : 'one',
      DELIVERY_BOOKKEEPING,
    );
  }

  scheduleRetry(claim: ClaimedEntry, failure: DeliveryFailure, nextAttemptAt: number, now: number): Promise<void> {
    return this.sql.write(() => {
      this.s.retry.run({
        id: claim.transactionId,
        token: claim.leaseToken,
        next: nextAttemptAt,
        error: failure.error,
        status: failure.status,
        now,
      });
    }, 'one', DELIVERY_BOOKKEEPING);
  }

  markUndeliverable(
    claim: ClaimedEntry,
    state: 'failed' | 'dead',
    failure: DeliveryFailure,
    now: number,
    events: readonly OutgoingEventRecord[] = [],
  ): Promise<void> {
    return this.sql.write(() => {
      const changed = this.s.undeliverable.run({
        id: claim.transactionId,
        token: claim.leaseToken,
        state,
        // A `failed` entry was never sent; a `dead` one was (its refusal counts as an attempt).
        counted: state === 'dead' ? 1 : 0,
        error: failure.error,
        status: failure.status,
        now,
      }).changes === 1;
      if (changed) this.eventsOut.insertNow(events, now);
    }, events.length > 0 ? 'several' : 'one', DELIVERY_BOOKKEEPING);
  }

  setSubscription(claim: ClaimedEntry, subscriptionId: string, now: number): Promise<void> {
    return this.sql.write(() => {
      this.s.setSubscription.run({ id: claim.transactionId, token: claim.leaseToken, sub: subscriptionId, now });
    }, 'one', DELIVERY_BOOKKEEPING);
  }

  requeue(transactionId: string, now: number): Promise<boolean> {
    return this.sql.write(() => this.s.requeue.run({ id: transactionId, now }).changes === 1, 'one');
  }

  requeueAll(state: 'failed' | 'dead', now: number): Promise<number> {
    return this.sql.write(() => this.s.requeueAll.run({ state, now }).changes, 'one');
  }

  get(transactionId: string): Promise<OutboxEntry | null> {
    return this.sql.read(() => {
      const row = this.s.get.get(transactionId) as Row | undefined;
      return row ? toOutboxEntry(row) : null;
    });
  }

  list(filter: { state?: DeliveryState; limit: number }): Promise<OutboxEntry[]> {
    return this.sql.read(() => {
      const rows = filter.state ? this.s.listByState.all(filter.state, filter.limit) : this.s.listAll.all(filter.limit);
      return (rows as Row[]).map(toOutboxEntry);
    });
  }

  countByState(): Promise<Record<DeliveryState, number>> {
    return this.sql.read(() => {
      const counts = emptyCounts();
      for (const r of this.s.countByState.all() as { state: DeliveryState; n: number }[]) counts[r.state] = r.n;
      return counts;
    });
  }
}
