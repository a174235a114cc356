import type { InFlight, TopUpRecord, TopUpStore } from '../top-up-store.js';
import { toOutboxEntry, toTopUp } from '../rows.js';
import type { PgDb } from './pg-db.js';

/** Top-ups on PostgreSQL. */
export class PgTopUps implements TopUpStore {
  constructor(private readonly db: PgDb) {}

  async save(t: TopUpRecord): Promise<void> {
    await this.db.query(
      `INSERT INTO top_ups (payment_intent_id, customer_id, company_id, subscription_id, amount_minor, currency, flow, status, caller, created_at, credits)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (payment_intent_id) DO NOTHING`,
      [t.paymentIntentId, t.customerId, t.companyId, t.subscriptionId, t.amountMinor, t.currency, t.flow, t.status, t.caller, t.createdAt, t.credits],
    );
  }

  async get(paymentIntentId: string): Promise<TopUpRecord | null> {
    const { rows } = await this.db.query('SELECT * FROM top_ups WHERE payment_intent_id = $1', [paymentIntentId]);
    return rows[0] ? toTopUp(rows[0]) : null;
  }

  async setStatus(paymentIntentId: string, status: string): Promise<void> {
    await this.db.query('UPDATE top_ups SET status = $1 WHERE payment_intent_id = $2', [status, paymentIntentId]);
  }

  async listInFlight(customerId: string, processingSince: number, deliveredSince: number): Promise<InFlight> {
    const undelivered = await this.db.query(
      `SELECT * FROM outbox WHERE customer_id = $1 AND kind = 'credit' AND transaction_id = payment_intent_id AND ledger_type IS NULL AND state = 'pending' ORDER BY created_at`,
      [customerId],
    );
    const recentlyDelivered = await this.db.query(
      `SELECT * FROM outbox WHERE customer_id = $1 AND kind = 'credit' AND transaction_id = payment_intent_id AND ledger_type IS NULL AND state = 'delivered' AND delivered_at >= $2 ORDER BY created_at`,
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
}
