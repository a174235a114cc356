import { randomUUID } from 'node:crypto';
import type { ClaimedOutgoingEvent, EventsOutStore, OutgoingEventRecord, OutgoingEventState, StoredOutgoingEvent } from '../events-out-store.js';
import type { DeliveryFailure } from '../outbox-store.js';
import { toOutgoingEvent, type Row } from '../rows.js';
import type { SqliteDb } from './sqlite-db.js';

/** Outgoing events on SQLite. Updates of a claimed event must present its lease token. */
export class SqliteEventsOut implements EventsOutStore {
  private readonly s;

  constructor(private readonly sql: SqliteDb) {
    this.s = {
      insert: sql.prepare(
        `INSERT INTO events_out (event_id, destination, type, customer_id, payload, state, attempts, next_attempt_at, created_at, updated_at)
         VALUES (@eventId, @destination, @type, @customerId, @payload, 'pending', 0, @now, @now, @now)
         ON CONFLICT (event_id, destination) DO NOTHING`,
      ),
      // The oldest pending event of each (destination, customer) only: order per customer.
      // Two statements in one transaction, not UPDATE … WHERE seq IN (SELECT …), which SQLite runs
      // many times slower (see sqlite-outbox.ts).
      due: sql
        .prepare(
          `SELECT e.seq FROM events_out e
           WHERE e.state = 'pending' AND e.next_attempt_at <= @now AND (e.lease_until IS NULL OR e.lease_until < @now)
             AND NOT EXISTS (SELECT 1 FROM events_out p
               WHERE p.destination = e.destination AND p.customer_id = e.customer_id AND p.state = 'pending' AND p.seq < e.seq)
           ORDER BY e.next_attempt_at, e.seq LIMIT @limit`,
        )
        .pluck(),
      claim: sql.prepare('UPDATE events_out SET lease_token = @token, lease_until = @leaseUntil, updated_at = @now WHERE seq = @seq RETURNING *'),
      delivered: sql.prepare(
        `UPDATE events_out SET state = 'delivered', attempts = attempts + 1, delivered_at = @now, updated_at = @now,
           last_error = NULL, last_status = NULL, lease_token = NULL, lease_until = NULL
         WHERE seq = @seq AND lease_token = @token`,
      ),
      retry: sql.prepare(
        `UPDATE events_out SET attempts = attempts + 1, next_attempt_at = @next, last_error = @error, last_status = @status,
           updated_at = @now, lease_token = NULL, lease_until = NULL
         WHERE seq = @seq AND lease_token = @token`,
      ),
      dead: sql.prepare(
        `UPDATE events_out SET state = 'dead', attempts = attempts + 1, last_error = @error, last_status = @status,
           updated_at = @now, lease_token = NULL, lease_until = NULL
         WHERE seq = @seq AND lease_token = @token`,
      ),
      replay: sql.prepare(
        `UPDATE events_out SET state = 'pending', attempts = 0, next_attempt_at = @now, updated_at = @now, lease_token = NULL, lease_until = NULL
         WHERE event_id = @id AND state IN ('dead', 'delivered')`,
      ),
      replayDead: sql.prepare(
        `UPDATE events_out SET state = 'pending', attempts = 0, next_attempt_at = @now, updated_at = @now, lease_token = NULL, lease_until = NULL
         WHERE state = 'dead'`,
      ),
      get: sql.prepare('SELECT * FROM events_out WHERE event_id = ? ORDER BY seq'),
      listAll: sql.prepare('SELECT * FROM events_out ORDER BY updated_at DESC, seq DESC LIMIT ?'),
      listByState: sql.prepare('SELECT * FROM events_out WHERE state = ? ORDER BY updated_at DESC, seq DESC LIMIT ?'),
    };
  }

  /** Inserts inside a write that is already running (the state change the events report). */
  insertNow(events: readonly OutgoingEventRecord[], now: number): number {
    let n = 0;
    for (const e of events) n += this.s.insert.run({ ...e, now }).changes;
    return n;
  }

  enqueue(events: readonly OutgoingEventRecord[], now: number): Promise<number> {
    return this.sql.write(() => this.insertNow(events, now));
  }

  claimDue(now: number, limit: number, leaseMs: number): Promise<ClaimedOutgoingEvent[]> {
    return this.sql.write(() => {
      const seqs = this.s.due.all({ now, limit }) as number[];
      if (seqs.length === 0) return [];
      const token = randomUUID();
      const claim = { token, leaseUntil: now + leaseMs, now, seq: 0 };
      return seqs.map((seq) => {
        claim.seq = seq;
        return { ...toOutgoingEvent(this.s.claim.get(claim) as Row), leaseToken: token };
      });
    }, 'several');
  }

  markDelivered(claim: ClaimedOutgoingEvent, now: number): Promise<void> {
    return this.sql.write(() => {
      this.s.delivered.run({ seq: claim.seq, token: claim.leaseToken, now });
    }, 'one');
  }

  scheduleRetry(claim: ClaimedOutgoingEvent, failure: DeliveryFailure, nextAttemptAt: number, now: number): Promise<void> {
    return this.sql.write(() => {
      this.s.retry.run({ seq: claim.seq, token: claim.leaseToken, next: nextAttemptAt, error: failure.error, status: failure.status, now });
    }, 'one');
  }

  markDead(claim: ClaimedOutgoingEvent, failure: DeliveryFailure, now: number): Promise<void> {
    return this.sql.write(() => {
      this.s.dead.run({ seq: claim.seq, token: claim.leaseToken, error: failure.error, status: failure.status, now });
    }, 'one');
  }

  replay(eventId: string, now: number): Promise<number> {
    return this.sql.write(() => this.s.replay.run({ id: eventId, now }).changes, 'one');
  }

  replayDead(now: number): Promise<number> {
    return this.sql.write(() => this.s.replayDead.run({ now }).changes, 'one');
  }

  get(eventId: string): Promise<StoredOutgoingEvent[]> {
    return this.sql.read(() => (this.s.get.all(eventId) as Row[]).map(toOutgoingEvent));
  }

  list(filter: { state?: OutgoingEventState; limit: number }): Promise<StoredOutgoingEvent[]> {
    return this.sql.read(() => {
      const rows = filter.state ? this.s.listByState.all(filter.state, filter.limit) : this.s.listAll.all(filter.limit);
      return (rows as Row[]).map(toOutgoingEvent);
    });
  }
}
