import type { BillingScope, BillingSession, BillingSessionStore } from '../billing-session-store.js';
import type { Row } from '../rows.js';
import type { PgDb } from './pg-db.js';

const scopeOf = (row: Row): BillingScope => ({
  customerId: row.customer_id as string,
  subscriptionId: (row.subscription_id as string | null) ?? null,
  returnUrl: row.return_url as string,
  locale: (row.locale as string | null) ?? null,
});

/** Billing links and sessions on PostgreSQL (shared by every instance). */
export class PgBillingSessions implements BillingSessionStore {
  constructor(private readonly db: PgDb) {}

  async createLink(tokenHash: string, scope: BillingScope, expiresAt: number, now: number): Promise<void> {
    await this.db.query(
      `INSERT INTO billing_links (token_hash, customer_id, subscription_id, return_url, locale, expires_at, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [tokenHash, scope.customerId, scope.subscriptionId, scope.returnUrl, scope.locale, expiresAt, now],
    );
  }

  async redeemLink(tokenHash: string, now: number): Promise<BillingScope | null> {
    // One statement: of two concurrent uses, the second waits for the first's row lock and then
    // sees used_at set.
    const { rows } = await this.db.query(
      `UPDATE billing_links SET used_at = $2 WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2
       RETURNING customer_id, subscription_id, return_url, locale`,
      [tokenHash, now],
    );
    return rows[0] ? scopeOf(rows[0]) : null;
  }

  async createSession(sessionHash: string, scope: BillingScope, expiresAt: number, now: number, notAfter: number | null = null): Promise<void> {
    await this.db.query(
      `INSERT INTO billing_sessions (session_hash, customer_id, subscription_id, return_url, locale, expires_at, created_at, not_after)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [sessionHash, scope.customerId, scope.subscriptionId, scope.returnUrl, scope.locale, notAfter === null ? expiresAt : Math.min(expiresAt, notAfter), now, notAfter],
    );
  }

  async touchSession(sessionHash: string, now: number, extendTo: number): Promise<BillingSession | null> {
    const { rows } = await this.db.query(
      `UPDATE billing_sessions SET expires_at = GREATEST(expires_at, LEAST($3, COALESCE(not_after, $3))) WHERE session_hash = $1 AND expires_at > $2
       RETURNING customer_id, subscription_id, return_url, locale, expires_at`,
      [sessionHash, now, extendTo],
    );
    return rows[0] ? { ...scopeOf(rows[0]), expiresAt: Number(rows[0].expires_at) } : null;
  }

  async deleteSession(sessionHash: string): Promise<void> {
    await this.db.query('DELETE FROM billing_sessions WHERE session_hash = $1', [sessionHash]);
  }

  async deleteExpired(before: number, limit: number): Promise<number> {
    const links = await this.db.query(
      'DELETE FROM billing_links WHERE token_hash IN (SELECT token_hash FROM billing_links WHERE expires_at < $1 ORDER BY expires_at LIMIT $2)',
      [before, limit],
    );
    const removed = links.rowCount ?? 0;
    const sessions = await this.db.query(
      'DELETE FROM billing_sessions WHERE session_hash IN (SELECT session_hash FROM billing_sessions WHERE expires_at < $1 ORDER BY expires_at LIMIT $2)',
      [before, Math.max(0, limit - removed)],
    );
    return removed + (sessions.rowCount ?? 0);
  }
}
