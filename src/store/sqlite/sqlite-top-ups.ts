import type { InFlight, TopUpRecord, TopUpStore } from '../top-up-store.js';
import { toOutboxEntry, toTopUp, type Row } from '../rows.js';
import type { SqliteDb } from './sqlite-db.js';

/** Top-ups on SQLite. */
export class SqliteTopUps implements TopUpStore {
  private readonly s;

  constructor(private readonly sql: SqliteDb) {
    this.s = {
      save: sql.prepare(
        `INSERT INTO top_ups (payment_intent_id, customer_id, company_id, subscription_id, amount_minor, currency, credits, flow, status, caller, created_at)
         VALUES (@paymentIntentId, @customerId, @companyId, @subscriptionId, @amountMinor, @currency, @credits, @flow, @status, @caller, @createdAt)
         ON CONFLICT (payment_intent_id) DO NOTHING`,
      ),
      get: sql.prepare('SELECT * FROM top_ups WHERE payment_intent_id = ?'),
      setStatus: sql.prepare('UPDATE top_ups SET status = ? WHERE payment_intent_id = ?'),
      undelivered: sql.prepare(
        `SELECT * FROM outbox WHERE customer_id = ? AND kind = 'credit' AND transaction_id = payment_intent_id AND ledger_type IS NULL AND state = 'pending' ORDER BY created_at`,
      ),
      recentlyDelivered: sql.prepare(
        `SELECT * FROM outbox WHERE customer_id = ? AND kind = 'credit' AND transaction_id = payment_intent_id AND ledger_type IS NULL AND state = 'delivered' AND delivered_at >= ? ORDER BY created_at`,
      ),
      processing: sql.prepare(
        `SELECT t.* FROM top_ups t LEFT JOIN outbox o ON o.transaction_id = t.payment_intent_id
         WHERE t.customer_id = ? AND t.status = 'processing' AND o.transaction_id IS NULL AND t.created_at >= ?
         ORDER BY t.created_at`,
      ),
    };
  }

  save(topUp: TopUpRecord): Promise<void> {
    return this.sql.write(() => {
      this.s.save.run(topUp);
    }, 'one');
  }

  get(paymentIntentId: string): Promise<TopUpRecord | null> {
    return this.sql.read(() => {
      const row = this.s.get.get(paymentIntentId) as Row | undefined;
      return row ? toTopUp(row) : null;
    });
  }

  setStatus(paymentIntentId: string, status: string): Promise<void> {
    return this.sql.write(() => {
      this.s.setStatus.run(status, paymentIntentId);
    }, 'one');
  }

  listInFlight(customerId: string, processingSince: number, deliveredSince: number): Promise<InFlight> {
    return this.sql.read(() => ({
      undelivered: (this.s.undelivered.all(customerId) as Row[]).map(toOutboxEntry),
      recentlyDelivered: (this.s.recentlyDelivered.all(customerId, deliveredSince) as Row[]).map(toOutboxEntry),
      processing: (this.s.processing.all(customerId, processingSince) as Row[]).map(toTopUp),
    }));
  }
}
