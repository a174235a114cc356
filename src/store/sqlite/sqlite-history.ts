import type { OutboxEntry } from '../../ledger/ledger-entry.js';
import type { HistoryPage, HistoryQuery, HistoryStore, TopUpWithCredit } from '../history-store.js';
import { toOutboxEntry, toTopUp, type Row } from '../rows.js';
import type { SqliteDb } from './sqlite-db.js';

/** A customer's ledger entries and top-ups on SQLite, newest first (see history-store.ts). */
export class SqliteHistory implements HistoryStore {
  private readonly s;

  constructor(private readonly sql: SqliteDb) {
    const ledgerAfter = `AND (created_at < @atCreated OR (created_at = @atCreated AND transaction_id < @atId))`;
    const ledger = (after: string) =>
      sql.prepare(
        `SELECT * FROM outbox WHERE customer_id = @customerId AND (@subscriptionId IS NULL OR subscription_id = @subscriptionId) ${after}
         ORDER BY created_at DESC, transaction_id DESC LIMIT @limit`,
      );
    const topUpAfter = `AND (t.created_at < @atCreated OR (t.created_at = @atCreated AND t.payment_intent_id < @atId))`;
    const topUps = (after: string) =>
      sql.prepare(
        `SELECT t.*, o.state AS credit_state FROM top_ups t LEFT JOIN outbox o ON o.transaction_id = t.payment_intent_id
         WHERE t.customer_id = @customerId ${after} ORDER BY t.created_at DESC, t.payment_intent_id DESC LIMIT @limit`,
      );
    this.s = {
      ledgerFirst: ledger(''),
      ledgerAfter: ledger(ledgerAfter),
      ledgerCursor: sql.prepare('SELECT created_at FROM outbox WHERE transaction_id = ? AND customer_id = ?'),
      topUpsFirst: topUps(''),
      topUpsAfter: topUps(topUpAfter),
      topUpCursor: sql.prepare('SELECT created_at FROM top_ups WHERE payment_intent_id = ? AND customer_id = ?'),
    };
  }

  ledger(query: HistoryQuery & { subscriptionId?: string }): Promise<HistoryPage<OutboxEntry> | null> {
    return this.sql.read(() => {
      const params = { customerId: query.customerId, subscriptionId: query.subscriptionId ?? null, limit: query.limit + 1 };
      let rows: Row[];
      if (query.startingAfter === undefined) rows = this.s.ledgerFirst.all(params) as Row[];
      else {
        const at = this.s.ledgerCursor.get(query.startingAfter, query.customerId) as Row | undefined;
        if (!at) return null;
        rows = this.s.ledgerAfter.all({ ...params, atCreated: at.created_at, atId: query.startingAfter }) as Row[];
      }
      return { items: rows.slice(0, query.limit).map(toOutboxEntry), hasMore: rows.length > query.limit };
    });
  }

  topUps(query: HistoryQuery): Promise<HistoryPage<TopUpWithCredit> | null> {
    return this.sql.read(() => {
      const params = { customerId: query.customerId, limit: query.limit + 1 };
      let rows: Row[];
      if (query.startingAfter === undefined) rows = this.s.topUpsFirst.all(params) as Row[];
      else {
        const at = this.s.topUpCursor.get(query.startingAfter, query.customerId) as Row | undefined;
        if (!at) return null;
        rows = this.s.topUpsAfter.all({ ...params, atCreated: at.created_at, atId: query.startingAfter }) as Row[];
      }
      const items = rows.slice(0, query.limit).map((r) => ({ ...toTopUp(r), creditState: (r.credit_state ?? null) as TopUpWithCredit['creditState'] }));
      return { items, hasMore: rows.length > query.limit };
    });
  }
}
