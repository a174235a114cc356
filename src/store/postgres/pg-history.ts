import type { OutboxEntry } from '../../ledger/ledger-entry.js';
import type { HistoryPage, HistoryQuery, HistoryStore, TopUpWithCredit } from '../history-store.js';
import { toOutboxEntry, toTopUp } from '../rows.js';
import type { PgDb } from './pg-db.js';

/** A customer's ledger entries and top-ups on PostgreSQL, newest first (see history-store.ts). */
export class PgHistory implements HistoryStore {
  constructor(private readonly db: PgDb) {}

  async ledger(query: HistoryQuery & { subscriptionId?: string }): Promise<HistoryPage<OutboxEntry> | null> {
    let cursor: [number, string] | [null, null] = [null, null];
    if (query.startingAfter !== undefined) {
      const at = await this.db.query('SELECT created_at FROM outbox WHERE transaction_id = $1 AND customer_id = $2', [
        query.startingAfter,
        query.customerId,
      ]);
      if (!at.rows[0]) return null;
      cursor = [Number(at.rows[0].created_at), query.startingAfter];
    }
    const { rows } = await this.db.query(
      `SELECT * FROM outbox WHERE customer_id = $1 AND ($2::text IS NULL OR subscription_id = $2)
         AND ($3::bigint IS NULL OR created_at < $3 OR (created_at = $3 AND transaction_id < $4))
       ORDER BY created_at DESC, transaction_id DESC LIMIT $5`,
      [query.customerId, query.subscriptionId ?? null, cursor[0], cursor[1], query.limit + 1],
    );
    return { items: rows.slice(0, query.limit).map(toOutboxEntry), hasMore: rows.length > query.limit };
  }

  async topUps(query: HistoryQuery): Promise<HistoryPage<TopUpWithCredit> | null> {
    let cursor: [number, string] | [null, null] = [null, null];
    if (query.startingAfter !== undefined) {
      const at = await this.db.query('SELECT created_at FROM top_ups WHERE payment_intent_id = $1 AND customer_id = $2', [
        query.startingAfter,
        query.customerId,
      ]);
      if (!at.rows[0]) return null;
      cursor = [Number(at.rows[0].created_at), query.startingAfter];
    }
    const { rows } = await this.db.query(
      `SELECT t.*, o.state AS credit_state FROM top_ups t LEFT JOIN outbox o ON o.transaction_id = t.payment_intent_id
       WHERE t.customer_id = $1 AND ($2::bigint IS NULL OR t.created_at < $2 OR (t.created_at = $2 AND t.payment_intent_id < $3))
       ORDER BY t.created_at DESC, t.payment_intent_id DESC LIMIT $4`,
      [query.customerId, cursor[0], cursor[1], query.limit + 1],
    );
    const items = rows.slice(0, query.limit).map((r) => ({ ...toTopUp(r), creditState: (r.credit_state ?? null) as TopUpWithCredit['creditState'] }));
    return { items, hasMore: rows.length > query.limit };
  }
}
