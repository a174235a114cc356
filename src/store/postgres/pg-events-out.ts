import { randomUUID } from 'node:crypto';
import type { ClaimedOutgoingEvent, EventsOutStore, OutgoingEventRecord, OutgoingEventState, StoredOutgoingEvent } from '../events-out-store.js';
import type { DeliveryFailure } from '../outbox-store.js';
import { toOutgoingEvent } from '../rows.js';
import type { PgDb, Queryable } from './pg-db.js';

/** Queues events on `db` (the pool or the running transaction of the state change they report). */
export async function insertEventsOut(db: Queryable, events: readonly OutgoingEventRecord[], now: number): Promise<number> {
  let n = 0;
  for (const e of events) {
    const r = await db.query(
      `INSERT INTO events_out (event_id, destination, type, customer_id, payload, state, attempts, next_attempt_at, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, 'pending', 0, $6, $6, $6) ON CONFLICT (event_id, destination) DO NOTHING`,
      [e.eventId, e.destination, e.type, e.customerId, e.payload, now],
    );
    n += r.rowCount ?? 0;
  }
  return n;
}

/**
 * Outgoing events on PostgreSQL: claimed with FOR UPDATE SKIP LOCKED plus a lease, like the
 * outbox; a customer's later event is not claimed while an earlier one is pending (even if
 * another instance holds it).
 */
export class PgEventsOut implements EventsOutStore {
  constructor(private readonly db: PgDb) {}

  enqueue(events: readonly OutgoingEventRecord[], now: number): Promise<number> {
    return this.db.transaction((client) => insertEventsOut(client, events, now));
  }

  async claimDue(now: number, limit: number, leaseMs: number): Promise<ClaimedOutgoingEvent[]> {
    const token = randomUUID();
    const { rows } = await this.db.query(
      `UPDATE events_out SET lease_token = $1, lease_until = $2, updated_at = $3
       WHERE seq IN (
         SELECT e.seq FROM events_out e
         WHERE e.state = 'pending' AND e.next_attempt_at <= $3 AND (e.lease_until IS NULL OR e.lease_until < $3)
           AND NOT EXISTS (SELECT 1 FROM events_out p
             WHERE p.destination = e.destination AND p.customer_id = e.customer_id AND p.state = 'pending' AND p.seq < e.seq)
         ORDER BY e.next_attempt_at, e.seq LIMIT $4
         FOR UPDATE SKIP LOCKED)
       RETURNING *`,
      [token, now + leaseMs, now, limit],
    );
    return rows.map((r) => ({ ...toOutgoingEvent(r), leaseToken: token }));
  }

  async markDelivered(claim: ClaimedOutgoingEvent, now: number): Promise<void> {
    await this.db.query(
      `UPDATE events_out SET state = 'delivered', attempts = attempts + 1, delivered_at = $3, updated_at = $3,
         last_error = NULL, last_status = NULL, lease_token = NULL, lease_until = NULL
       WHERE seq = $1 AND lease_token = $2`,
      [claim.seq, claim.leaseToken, now],
    );
  }

  async scheduleRetry(claim: ClaimedOutgoingEvent, failure: DeliveryFailure, nextAttemptAt: number, now: number): Promise<void> {
    await this.db.query(
      `UPDATE events_out SET attempts = attempts + 1, next_attempt_at = $3, last_error = $4, last_status = $5,
         updated_at = $6, lease_token = NULL, lease_until = NULL
       WHERE seq = $1 AND lease_token = $2`,
      [claim.seq, claim.leaseToken, nextAttemptAt, failure.error, failure.status, now],
    );
  }

  async markDead(claim: ClaimedOutgoingEvent, failure: DeliveryFailure, now: number): Promise<void> {
    await this.db.query(
      `UPDATE events_out SET state = 'dead', attempts = attempts + 1, last_error = $3, last_status = $4,
         updated_at = $5, lease_token = NULL, lease_until = NULL
       WHERE seq = $1 AND lease_token = $2`,
      [claim.seq, claim.leaseToken, failure.error, failure.status, now],
    );
  }

  async replay(eventId: string, now: number): Promise<number> {
    const r = await this.db.query(
      `UPDATE events_out SET state = 'pending', attempts = 0, next_attempt_at = $2, updated_at = $2, lease_token = NULL, lease_until = NULL
       WHERE event_id = $1 AND state IN ('dead', 'delivered')`,
      [eventId, now],
    );
    return r.rowCount ?? 0;
  }

  async replayDead(now: number): Promise<number> {
    const r = await this.db.query(
      `UPDATE events_out SET state = 'pending', attempts = 0, next_attempt_at = $1, updated_at = $1, lease_token = NULL, lease_until = NULL
       WHERE state = 'dead'`,
      [now],
    );
    return r.rowCount ?? 0;
  }

  async get(eventId: string): Promise<StoredOutgoingEvent[]> {
    const { rows } = await this.db.query('SELECT * FROM events_out WHERE event_id = $1 ORDER BY seq', [eventId]);
    return rows.map(toOutgoingEvent);
  }

  async list(filter: { state?: OutgoingEventState; limit: number }): Promise<StoredOutgoingEvent[]> {
    const { rows } = filter.state
      ? await this.db.query('SELECT * FROM events_out WHERE state = $1 ORDER BY updated_at DESC, seq DESC LIMIT $2', [filter.state, filter.limit])
      : await this.db.query('SELECT * FROM events_out ORDER BY updated_at DESC, seq DESC LIMIT $1', [filter.limit]);
    return rows.map(toOutgoingEvent);
  }
}
