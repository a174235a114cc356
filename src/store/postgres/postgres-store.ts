import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { ClaimedEntry, DeliveryState, LedgerEntry, OutboxEntry } from '../../ledger/ledger-entry.js';
import { emptyCounts, toOutboxEntry, toStripeEvent, toTopUp, type Row } from '../rows.js';
import { StoreUnavailableError } from '../store-errors.js';
import type {
  DeliveryFailure,
  IdempotencyClaim,
  InFlight,
  RecordEventResult,
  Store,
  StripeEventRecord,
  TopUpRecord,
} from '../store.js';
import { postgresMigrations } from './migrations.js';
import { PgConnections } from './pg-connections.js';

/** Serializes migrations when several instances start at once (an arbitrary, fixed advisory lock key). */
const MIGRATION_LOCK = 7_310_442_019;

/**
 * `postgres://…?schema=name` puts every table in that schema (created if missing); the parameter
 * is ours and is removed before the URL reaches the driver.
 */
export function parsePostgresUrl(url: string): { connectionString: string; schema: string | null } {
  const parsed = new URL(url);
  const schema = parsed.searchParams.get('schema');
  parsed.searchParams.delete('schema');
  if (schema !== null && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
    throw new Error('DATABASE_URL schema must be a lower-case identifier');
  }
  return { connectionString: parsed.toString(), schema };
}

const INSERT_ENTRY = `
  INSERT INTO outbox (transaction_id, kind, customer_id, company_id, subscription_id, amount_minor, currency,
    payment_intent_id, description, source, state, attempts, next_attempt_at, created_at, updated_at)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'pending', 0, $11, $11, $11)
  ON CONFLICT (transaction_id) DO NOTHING`;

function entryParams(e: LedgerEntry, source: string, now: number): unknown[] {
  return [e.transactionId, e.kind, e.customerId, e.companyId, e.subscriptionId, e.amountMinor, e.currency, e.paymentIntentId, e.description, source, now];
}

/**
 * The shared store for several instances. Outbox rows are claimed with FOR UPDATE SKIP LOCKED
 * plus a lease, so instances never deliver the same row at once and a crashed instance's claims
 * are taken over when the lease runs out. Commits are durable before a webhook is acknowledged.
 */
export class PostgresStore implements Store {
  private constructor(private readonly db: PgConnections) {}

  static async open(url: string, poolSize = 10): Promise<PostgresStore> {
    const { connectionString, schema } = parsePostgresUrl(url);
    const db = new PgConnections(connectionString, schema, poolSize);
    const store = new PostgresStore(db);
    try {
      await store.migrate(schema);
    } catch (err) {
      await db.end();
      throw StoreUnavailableError.classify(err);
    }
    return store;
  }

  private async migrate(schema: string | null): Promise<void> {
    const client = await this.db.connect();
    try {
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
      if (schema) {
        await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
        await client.query(`SET LOCAL search_path TO ${schema}`);
      }
      await client.query('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)');
      const { rows } = await client.query<{ version: number }>('SELECT version FROM schema_migrations');
      const applied = new Set(rows.map((r) => r.version));
      for (const [i, sql] of postgresMigrations.entries()) {
        if (applied.has(i + 1)) continue;
        await client.query(sql);
        await client.query('INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)', [i + 1, Date.now()]);
      }
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  async ping(): Promise<void> {
    await this.db.query('SELECT 1');
  }

  async close(): Promise<void> {
    await this.db.end();
  }

  recordStripeEvent(event: StripeEventRecord, entries: readonly LedgerEntry[], now: number): Promise<RecordEventResult> {
    return this.db.transaction(async (client) => {
      const inserted = await client.query(
        `INSERT INTO stripe_events (id, type, created_s, livemode, payload, outcome, note, received_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (id) DO NOTHING`,
        [event.id, event.type, event.created, event.livemode, event.payload, event.outcome, event.note, now],
      );
      if (inserted.rowCount === 0) return { duplicate: true, queued: 0 };
      let queued = 0;
      for (const entry of entries) {
        const r = await client.query(INSERT_ENTRY, entryParams(entry, `event:${event.id}`, now));
        queued += r.rowCount ?? 0;
      }
      return { duplicate: false, queued };
    });
  }

  async enqueue(entry: LedgerEntry, source: string, now: number): Promise<boolean> {
    return ((await this.db.query(INSERT_ENTRY, entryParams(entry, source, now))).rowCount ?? 0) === 1;
  }

  async claimIdempotencyKey(scope: string, fingerprint: string, now: number): Promise<IdempotencyClaim> {
    const inserted = await this.db.query(
      `INSERT INTO idempotency_keys (scope, fingerprint, created_at) VALUES ($1, $2, $3) ON CONFLICT (scope) DO NOTHING`,
      [scope, fingerprint, now],
    );
    if (inserted.rowCount === 1) return { kind: 'new' };
    const { rows } = await this.db.query('SELECT fingerprint, payment_intent_id, created_at FROM idempotency_keys WHERE scope = $1', [scope]);
    const row = rows[0]!;
    if (row.fingerprint !== fingerprint) return { kind: 'conflict' };
    return { kind: 'same', paymentIntentId: (row.payment_intent_id as string | null) ?? null, firstSeenAt: Number(row.created_at) };
  }

  async completeIdempotencyKey(scope: string, paymentIntentId: string): Promise<void> {
    await this.db.query('UPDATE idempotency_keys SET payment_intent_id = $1 WHERE scope = $2', [paymentIntentId, scope]);
  }

  async saveTopUp(t: TopUpRecord): Promise<void> {
    await this.db.query(
      `INSERT INTO top_ups (payment_intent_id, customer_id, company_id, subscription_id, amount_minor, currency, flow, status, caller, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (payment_intent_id) DO NOTHING`,
      [t.paymentIntentId, t.customerId, t.companyId, t.subscriptionId, t.amountMinor, t.currency, t.flow, t.status, t.caller, t.createdAt],
    );
  }

  async getTopUp(paymentIntentId: string): Promise<TopUpRecord | null> {
    const { rows } = await this.db.query('SELECT * FROM top_ups WHERE payment_intent_id = $1', [paymentIntentId]);
    return rows[0] ? toTopUp(rows[0]) : null;
  }

  async setTopUpStatus(paymentIntentId: string, status: string): Promise<void> {
    await this.db.query('UPDATE top_ups SET status = $1 WHERE payment_intent_id = $2', [status, paymentIntentId]);
  }

  async listInFlight(customerId: string, processingSince: number, deliveredSince: number): Promise<InFlight> {
    const undelivered = await this.db.query(
      `SELECT * FROM outbox WHERE customer_id = $1 AND kind = 'credit' AND transaction_id = payment_intent_id AND state = 'pending' ORDER BY created_at`,
      [customerId],
    );
    const recentlyDelivered = await this.db.query(
      `SELECT * FROM outbox WHERE customer_id = $1 AND kind = 'credit' AND transaction_id = payment_intent_id AND state = 'delivered' AND delivered_at >= $2 ORDER BY created_at`,
      [customerId, deliveredSince],
    );
    const processing = await this.db.query(
      `SELECT t.* FROM top_ups t LEFT JOIN outbox o ON o.transaction_id = t.payment_intent_id
       WHERE t.customer_id = $1 AND t.status = 'processing' AND o.transaction_id IS NULL AND t.created_at >= $2
       ORDER BY t.created_at`,
      [customerId, processingSince],
    );
    return {
      undelivered: undelivered.rows.map(toOutboxEntry),
      recentlyDelivered: recentlyDelivered.rows.map(toOutboxEntry),
      processing: processing.rows.map(toTopUp),
    };
  }

  async claimDue(now: number, limit: number, leaseMs: number): Promise<ClaimedEntry[]> {
    const token = randomUUID();
    const { rows } = await this.db.query(
      `UPDATE outbox SET lease_token = $1, lease_until = $2, updated_at = $3
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

  async markDelivered(claim: ClaimedEntry, now: number): Promise<void> {
    await this.db.query(
      `UPDATE outbox SET state = 'delivered', attempts = attempts + 1, delivered_at = $3, updated_at = $3,
         last_error = NULL, last_status = NULL, lease_token = NULL, lease_until = NULL
       WHERE transaction_id = $1 AND lease_token = $2`,
      [claim.transactionId, claim.leaseToken, now],
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

  async markUndeliverable(claim: ClaimedEntry, state: 'failed' | 'dead', failure: DeliveryFailure, now: number): Promise<void> {
    await this.db.query(
      `UPDATE outbox SET state = $3, attempts = attempts + $4, last_error = $5, last_status = $6,
         updated_at = $7, lease_token = NULL, lease_until = NULL
       WHERE transaction_id = $1 AND lease_token = $2`,
      // A `failed` entry was never sent; a `dead` one was (its refusal counts as an attempt).
      [claim.transactionId, claim.leaseToken, state, state === 'dead' ? 1 : 0, failure.error, failure.status, now],
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

  async listEntries(filter: { state?: DeliveryState; limit: number }): Promise<OutboxEntry[]> {
    const { rows } = filter.state
      ? await this.db.query('SELECT * FROM outbox WHERE state = $1 ORDER BY updated_at DESC, transaction_id LIMIT $2', [filter.state, filter.limit])
      : await this.db.query('SELECT * FROM outbox ORDER BY updated_at DESC, transaction_id LIMIT $1', [filter.limit]);
    return rows.map(toOutboxEntry);
  }

  async getState(key: string): Promise<string | null> {
    const { rows } = await this.db.query('SELECT value FROM service_state WHERE key = $1', [key]);
    return (rows[0]?.value as string | undefined) ?? null;
  }

  async setState(key: string, value: string, now: number): Promise<void> {
    await this.db.query(
      `INSERT INTO service_state (key, value, updated_at) VALUES ($1, $2, $3)
       ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
      [key, value, now],
    );
  }

  async tryAcquireLease(name: string, owner: string, ttlMs: number, now: number): Promise<boolean> {
    const r = await this.db.query(
      `INSERT INTO leases (name, owner, expires_at) VALUES ($1, $2, $3)
       ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at
       WHERE leases.expires_at < $4 OR leases.owner = excluded.owner`,
      [name, owner, now + ttlMs, now],
    );
    return r.rowCount === 1;
  }

  async getEntry(transactionId: string): Promise<OutboxEntry | null> {
    const { rows } = await this.db.query('SELECT * FROM outbox WHERE transaction_id = $1', [transactionId]);
    return rows[0] ? toOutboxEntry(rows[0]) : null;
  }

  async getStripeEvent(eventId: string): Promise<StripeEventRecord | null> {
    const { rows } = await this.db.query('SELECT * FROM stripe_events WHERE id = $1', [eventId]);
    return rows[0] ? toStripeEvent(rows[0]) : null;
  }

  async countByState(): Promise<Record<DeliveryState, number>> {
    const counts = emptyCounts();
    const { rows } = await this.db.query('SELECT state, COUNT(*)::int AS n FROM outbox GROUP BY state');
    for (const r of rows) counts[r.state as DeliveryState] = Number(r.n);
    return counts;
  }
}
