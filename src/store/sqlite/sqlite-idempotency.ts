import type { IdempotencyClaim, IdempotencyStore } from '../idempotency-store.js';
import type { SqliteDb } from './sqlite-db.js';

/** Idempotency keys on SQLite. */
export class SqliteIdempotency implements IdempotencyStore {
  private readonly s;

  constructor(private readonly sql: SqliteDb) {
    this.s = {
      claim: sql.prepare(`INSERT INTO idempotency_keys (scope, fingerprint, created_at) VALUES (?, ?, ?) ON CONFLICT (scope) DO NOTHING`),
      get: sql.prepare('SELECT fingerprint, payment_intent_id, created_at FROM idempotency_keys WHERE scope = ?'),
      complete: sql.prepare('UPDATE idempotency_keys SET payment_intent_id = ? WHERE scope = ?'),
    };
  }

  /**
   * Settles once committed, without waiting for the fsync: a claim lost in a crash is harmless.
   * The request it guards calls Stripe with an idempotency key derived from the same client key
   * (top-ups/idempotency.ts), so a retry after the crash claims again and Stripe answers with the
   * PaymentIntent it already made (within the 24 h it keeps keys; the claim is written again then,
   * and the next durable write, the top-up's own record, makes it durable with it).
   */
  claim(scope: string, fingerprint: string, now: number): Promise<IdempotencyClaim> {
    return this.sql.write((): IdempotencyClaim => {
      if (this.s.claim.run(scope, fingerprint, now).changes === 1) return { kind: 'new' };
      const row = this.s.get.get(scope) as { fingerprint: string; payment_intent_id: string | null; created_at: number };
      if (row.fingerprint !== fingerprint) return { kind: 'conflict' };
      return { kind: 'same', paymentIntentId: row.payment_intent_id, firstSeenAt: row.created_at };
    }, 'several', 'committed');
  }

  complete(scope: string, paymentIntentId: string): Promise<void> {
    return this.sql.write(() => {
      this.s.complete.run(paymentIntentId, scope);
    }, 'one');
  }
}
