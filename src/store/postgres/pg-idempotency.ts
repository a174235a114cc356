import type { IdempotencyClaim, IdempotencyStore } from '../idempotency-store.js';
import type { PgDb } from './pg-db.js';

/** Idempotency keys on PostgreSQL. */
export class PgIdempotency implements IdempotencyStore {
  constructor(private readonly db: PgDb) {}

  async claim(scope: string, fingerprint: string, now: number): Promise<IdempotencyClaim> {
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

  async complete(scope: string, paymentIntentId: string): Promise<void> {
    await this.db.query('UPDATE idempotency_keys SET payment_intent_id = $1 WHERE scope = $2', [paymentIntentId, scope]);
  }
}
