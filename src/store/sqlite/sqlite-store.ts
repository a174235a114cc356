import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { ClaimedEntry, DeliveryState, LedgerEntry, OutboxEntry } from '../../ledger/ledger-entry.js';
import type {
  DeliveryFailure,
  IdempotencyClaim,
  InFlight,
  RecordEventResult,
  Store,
  StripeEventRecord,
  TopUpRecord,
} from '../store.js';
import { emptyCounts, toOutboxEntry, toStripeEvent, toTopUp, type Row } from '../rows.js';
import { GroupCommit } from './group-commit.js';
import { WalSync } from './wal-sync.js';
import { sqliteMigrations } from './migrations.js';
import { StoreUnavailableError } from '../store-errors.js';

/** Path from `sqlite:<path>`; `sqlite::memory:` is an in-memory database (tests only). */
export function sqlitePathFromUrl(url: string): string {
  return url.replace(/^sqlite:(\/\/)?/, '');
}

/**
 * The embedded store. WAL, and a committed transaction is fsync'd before the webhook is
 * acknowledged; writes of one event-loop turn share one commit and one fsync (group-commit.ts),
 * and the fsync runs off the event loop (wal-sync.ts).
 * better-sqlite3 is synchronous; the async surface matches the other stores.
 */
export class SqliteStore implements Store {
  private readonly db: Database.Database;
  private readonly stmts;
  private readonly group: GroupCommit;
  private readonly wal: WalSync | null;

  /** busyTimeoutMs (default 5000): how long a write waits for another connection's lock before SQLITE_BUSY. */
  constructor(path: string, options: { busyTimeoutMs?: number } = {}) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    // NORMAL: a commit writes the WAL without fsync; GroupCommit fsyncs it off the event loop
    // before any write is acknowledged (wal-sync.ts), which is as durable as FULL.
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma(`busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs ?? 5_000))}`);
    this.db.pragma('foreign_keys = ON');
    this.migrate();
    this.stmts = this.prepare();
    this.wal = path === ':memory:' ? null : new WalSync(`${path}-wal`);
    this.group = new GroupCommit(this.db, this.wal);
  }

  private migrate(): void {
    this.db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)');
    const applied = new Set(
      (this.db.prepare('SELECT version FROM schema_migrations').all() as { version: number }[]).map((r) => r.version),
    );
    sqliteMigrations.forEach((sql, i) => {
      const version = i + 1;
      if (applied.has(version)) return;
      this.db.transaction(() => {
        this.db.exec(sql);
        this.db.prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)').run(version, Date.now());
      }).immediate();
    });
  }

  private prepare() {
    const db = this.db;
    return {
      insertEvent: db.prepare(
        `INSERT INTO stripe_events (id, type, created_s, livemode, payload, outcome, note, received_at)
         VALUES (@id, @type, @created, @livemode, @payload, @outcome, @note, @now) ON CONFLICT (id) DO NOTHING`,
      ),
      insertEntry: db.prepare(
        `INSERT INTO outbox (transaction_id, kind, customer_id, company_id, subscription_id, amount_minor, currency,
           payment_intent_id, description, source, state, attempts, next_attempt_at, created_at, updated_at)
         VALUES (@transactionId, @kind, @customerId, @companyId, @subscriptionId, @amountMinor, @currency,
           @paymentIntentId, @description, @source, 'pending', 0, @now, @now, @now)
         ON CONFLICT (transaction_id) DO NOTHING`,
      ),
      claimIdem: db.prepare(
        `INSERT INTO idempotency_keys (scope, fingerprint, created_at) VALUES (?, ?, ?) ON CONFLICT (scope) DO NOTHING`,
      ),
      getIdem: db.prepare('SELECT fingerprint, payment_intent_id, created_at FROM idempotency_keys WHERE scope = ?'),
      completeIdem: db.prepare('UPDATE idempotency_keys SET payment_intent_id = ? WHERE scope = ?'),
      saveTopUp: db.prepare(
        `INSERT INTO top_ups (payment_intent_id, customer_id, company_id, subscription_id, amount_minor, currency, flow, status, caller, created_at)
         VALUES (@paymentIntentId, @customerId, @companyId, @subscriptionId, @amountMinor, @currency, @flow, @status, @caller, @createdAt)
         ON CONFLICT (payment_intent_id) DO NOTHING`,
      ),
      getTopUp: db.prepare('SELECT * FROM top_ups WHERE payment_intent_id = ?'),
      setTopUpStatus: db.prepare('UPDATE top_ups SET status = ? WHERE payment_intent_id = ?'),
      undelivered: db.prepare(
        `SELECT * FROM outbox WHERE customer_id = ? AND kind = 'credit' AND transaction_id = payment_intent_id AND state = 'pending' ORDER BY created_at`,
      ),
      recentlyDelivered: db.prepare(
        `SELECT * FROM outbox WHERE customer_id = ? AND kind = 'credit' AND transaction_id = payment_intent_id AND state = 'delivered' AND delivered_at >= ? ORDER BY created_at`,
      ),
      processing: db.prepare(
        `SELECT t.* FROM top_ups t LEFT JOIN outbox o ON o.transaction_id = t.payment_intent_id
         WHERE t.customer_id = ? AND t.status = 'processing' AND o.transaction_id IS NULL AND t.created_at >= ?
         ORDER BY t.created_at`,
      ),
      claimDue: db.prepare(
        `UPDATE outbox SET lease_token = @token, lease_until = @leaseUntil, updated_at = @now
         WHERE transaction_id IN (
           SELECT transaction_id FROM outbox
           WHERE state = 'pending' AND next_attempt_at <= @now AND (lease_until IS NULL OR lease_until < @now)
           ORDER BY next_attempt_at LIMIT @limit)
         RETURNING *`,
      ),
      delivered: db.prepare(
        `UPDATE outbox SET state = 'delivered', attempts = attempts + 1, delivered_at = @now, updated_at = @now,
           last_error = NULL, last_status = NULL, lease_token = NULL, lease_until = NULL
         WHERE transaction_id = @id AND lease_token = @token`,
      ),
      retry: db.prepare(
        `UPDATE outbox SET attempts = attempts + 1, next_attempt_at = @next, last_error = @error, last_status = @status,
           updated_at = @now, lease_token = NULL, lease_until = NULL
         WHERE transaction_id = @id AND lease_token = @token`,
      ),
      undeliverable: db.prepare(
        `UPDATE outbox SET state = @state, attempts = attempts + @counted, last_error = @error, last_status = @status,
           updated_at = @now, lease_token = NULL, lease_until = NULL
         WHERE transaction_id = @id AND lease_token = @token`,
      ),
      setSubscription: db.prepare(
        `UPDATE outbox SET subscription_id = @sub, updated_at = @now WHERE transaction_id = @id AND lease_token = @token`,
      ),
      requeue: db.prepare(
        `UPDATE outbox SET state = 'pending', attempts = 0, next_attempt_at = @now, updated_at = @now,
           lease_token = NULL, lease_until = NULL
         WHERE transaction_id = @id AND state IN ('failed', 'dead')`,
      ),
      requeueAll: db.prepare(
        `UPDATE outbox SET state = 'pending', attempts = 0, next_attempt_at = @now, updated_at = @now,
           lease_token = NULL, lease_until = NULL
         WHERE state = @state`,
      ),
      getEntry: db.prepare('SELECT * FROM outbox WHERE transaction_id = ?'),
      listAll: db.prepare('SELECT * FROM outbox ORDER BY updated_at DESC, transaction_id LIMIT ?'),
      listByState: db.prepare('SELECT * FROM outbox WHERE state = ? ORDER BY updated_at DESC, transaction_id LIMIT ?'),
      getState: db.prepare('SELECT value FROM service_state WHERE key = ?'),
      setState: db.prepare(
        `INSERT INTO service_state (key, value, updated_at) VALUES (?, ?, ?)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
      ),
      lease: db.prepare(
        `INSERT INTO leases (name, owner, expires_at) VALUES (@name, @owner, @expires)
         ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at
         WHERE leases.expires_at < @now OR leases.owner = excluded.owner`,
      ),
      getEvent: db.prepare('SELECT * FROM stripe_events WHERE id = ?'),
      countByState: db.prepare('SELECT state, COUNT(*) AS n FROM outbox GROUP BY state'),
    };
  }

  /** A read. better-sqlite3 throws synchronously; failures to reach the database surface as StoreUnavailableError. */
  private run<T>(fn: () => T): Promise<T> {
    try {
      return Promise.resolve(fn());
    } catch (err) {
      return Promise.reject(StoreUnavailableError.classify(err));
    }
  }

  /**
   * A write: committed with the other writes of this event-loop turn (group commit). Pass
   * 'one' for a write of a single statement (no savepoint needed).
   */
  private write<T>(fn: () => T, statements: 'one' | 'several' = 'several'): Promise<T> {
    if (!this.db.open) return this.run(fn);
    return this.group.submit(fn, statements).catch((err: unknown) => Promise.reject(StoreUnavailableError.classify(err)));
  }

  ping(): Promise<void> {
    return this.run(() => {
      this.db.prepare('SELECT 1').get();
    });
  }

  async close(): Promise<void> {
    if (!this.db.open) return;
    try {
      await this.group.drain();
    } finally {
      this.db.close();
      this.wal?.close();
    }
  }

  private insertEntry(entry: LedgerEntry, source: string, now: number): boolean {
    return this.stmts.insertEntry.run({ ...entry, source, now }).changes === 1;
  }

  recordStripeEvent(event: StripeEventRecord, entries: readonly LedgerEntry[], now: number): Promise<RecordEventResult> {
    return this.write((): RecordEventResult => {
      const inserted = this.stmts.insertEvent.run({ ...event, livemode: event.livemode ? 1 : 0, now }).changes === 1;
      if (!inserted) return { duplicate: true, queued: 0 };
      let queued = 0;
      for (const entry of entries) if (this.insertEntry(entry, `event:${event.id}`, now)) queued += 1;
      return { duplicate: false, queued };
    });
  }

  enqueue(entry: LedgerEntry, source: string, now: number): Promise<boolean> {
    return this.write(() => this.insertEntry(entry, source, now), 'one');
  }

  claimIdempotencyKey(scope: string, fingerprint: string, now: number): Promise<IdempotencyClaim> {
    return this.write((): IdempotencyClaim => {
      if (this.stmts.claimIdem.run(scope, fingerprint, now).changes === 1) return { kind: 'new' };
      const row = this.stmts.getIdem.get(scope) as { fingerprint: string; payment_intent_id: string | null; created_at: number };
      if (row.fingerprint !== fingerprint) return { kind: 'conflict' };
      return { kind: 'same', paymentIntentId: row.payment_intent_id, firstSeenAt: row.created_at };
    });
  }

  completeIdempotencyKey(scope: string, paymentIntentId: string): Promise<void> {
    return this.write(() => {
      this.stmts.completeIdem.run(paymentIntentId, scope);
    }, 'one');
  }

  saveTopUp(topUp: TopUpRecord): Promise<void> {
    return this.write(() => {
      this.stmts.saveTopUp.run(topUp);
    }, 'one');
  }

  getTopUp(paymentIntentId: string): Promise<TopUpRecord | null> {
    return this.run(() => {
      const row = this.stmts.getTopUp.get(paymentIntentId) as Row | undefined;
      return row ? toTopUp(row) : null;
    });
  }

  setTopUpStatus(paymentIntentId: string, status: string): Promise<void> {
    return this.write(() => {
      this.stmts.setTopUpStatus.run(status, paymentIntentId);
    }, 'one');
  }

  listInFlight(customerId: string, processingSince: number, deliveredSince: number): Promise<InFlight> {
    return this.run(() => ({
      undelivered: (this.stmts.undelivered.all(customerId) as Row[]).map(toOutboxEntry),
      recentlyDelivered: (this.stmts.recentlyDelivered.all(customerId, deliveredSince) as Row[]).map(toOutboxEntry),
      processing: (this.stmts.processing.all(customerId, processingSince) as Row[]).map(toTopUp),
    }));
  }

  claimDue(now: number, limit: number, leaseMs: number): Promise<ClaimedEntry[]> {
    return this.write(() => {
      const token = randomUUID();
      const rows = this.stmts.claimDue.all({ token, leaseUntil: now + leaseMs, now, limit }) as Row[];
      return rows.map((r) => ({ ...toOutboxEntry(r), leaseToken: token }));
    }, 'one');
  }

  markDelivered(claim: ClaimedEntry, now: number): Promise<void> {
    return this.write(() => {
      this.stmts.delivered.run({ id: claim.transactionId, token: claim.leaseToken, now });
    }, 'one');
  }

  scheduleRetry(claim: ClaimedEntry, failure: DeliveryFailure, nextAttemptAt: number, now: number): Promise<void> {
    return this.write(() => {
      this.stmts.retry.run({
        id: claim.transactionId,
        token: claim.leaseToken,
        next: nextAttemptAt,
        error: failure.error,
        status: failure.status,
        now,
      });
    }, 'one');
  }

  markUndeliverable(
    claim: ClaimedEntry,
    state: 'failed' | 'dead',
    failure: DeliveryFailure,
    now: number,
  ): Promise<void> {
    return this.write(() => {
      this.stmts.undeliverable.run({
        id: claim.transactionId,
        token: claim.leaseToken,
        state,
        // A `failed` entry was never sent; a `dead` one was (its refusal counts as an attempt).
        counted: state === 'dead' ? 1 : 0,
        error: failure.error,
        status: failure.status,
        now,
      });
    }, 'one');
  }

  setSubscription(claim: ClaimedEntry, subscriptionId: string, now: number): Promise<void> {
    return this.write(() => {
      this.stmts.setSubscription.run({ id: claim.transactionId, token: claim.leaseToken, sub: subscriptionId, now });
    }, 'one');
  }

  requeue(transactionId: string, now: number): Promise<boolean> {
    return this.write(() => this.stmts.requeue.run({ id: transactionId, now }).changes === 1, 'one');
  }

  requeueAll(state: 'failed' | 'dead', now: number): Promise<number> {
    return this.write(() => this.stmts.requeueAll.run({ state, now }).changes, 'one');
  }

  listEntries(filter: { state?: DeliveryState; limit: number }): Promise<OutboxEntry[]> {
    return this.run(() => {
      const rows = filter.state ? this.stmts.listByState.all(filter.state, filter.limit) : this.stmts.listAll.all(filter.limit);
      return (rows as Row[]).map(toOutboxEntry);
    });
  }

  getState(key: string): Promise<string | null> {
    return this.run(() => (this.stmts.getState.get(key) as { value: string } | undefined)?.value ?? null);
  }

  setState(key: string, value: string, now: number): Promise<void> {
    return this.write(() => {
      this.stmts.setState.run(key, value, now);
    }, 'one');
  }

  tryAcquireLease(name: string, owner: string, ttlMs: number, now: number): Promise<boolean> {
    return this.write(() => this.stmts.lease.run({ name, owner, expires: now + ttlMs, now }).changes === 1, 'one');
  }

  getEntry(transactionId: string): Promise<OutboxEntry | null> {
    return this.run(() => {
      const row = this.stmts.getEntry.get(transactionId) as Row | undefined;
      return row ? toOutboxEntry(row) : null;
    });
  }

  getStripeEvent(eventId: string): Promise<StripeEventRecord | null> {
    return this.run(() => {
      const r = this.stmts.getEvent.get(eventId) as Row | undefined;
      return r ? toStripeEvent(r) : null;
    });
  }

  countByState(): Promise<Record<DeliveryState, number>> {
    return this.run(() => {
      const counts = emptyCounts();
      for (const r of this.stmts.countByState.all() as { state: DeliveryState; n: number }[]) counts[r.state] = r.n;
      return counts;
    });
  }
}
