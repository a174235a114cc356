import type { BillingScope, BillingSession, BillingSessionStore } from '../billing-session-store.js';
import type { SqliteDb } from './sqlite-db.js';

interface ScopeRow {
  customer_id: string;
  subscription_id: string | null;
  return_url: string;
  locale: string | null;
}

const scopeOf = (row: ScopeRow): BillingScope => ({
  customerId: row.customer_id,
  subscriptionId: row.subscription_id,
  returnUrl: row.return_url,
  locale: row.locale,
});

/** Billing links and sessions on SQLite. */
export class SqliteBillingSessions implements BillingSessionStore {
  private readonly s;

  constructor(private readonly sql: SqliteDb) {
    this.s = {
      createLink: sql.prepare(
        `INSERT INTO billing_links (token_hash, customer_id, subscription_id, return_url, locale, expires_at, created_at)
         VALUES (@hash, @customerId, @subscriptionId, @returnUrl, @locale, @expiresAt, @now)`,
      ),
      // One statement: of two concurrent uses, only one sees used_at IS NULL.
      redeem: sql.prepare(
        `UPDATE billing_links SET used_at = @now WHERE token_hash = @hash AND used_at IS NULL AND expires_at > @now
         RETURNING customer_id, subscription_id, return_url, locale`,
      ),
      createSession: sql.prepare(
        `INSERT INTO billing_sessions (session_hash, customer_id, subscription_id, return_url, locale, expires_at, created_at, not_after)
         VALUES (@hash, @customerId, @subscriptionId, @returnUrl, @locale, MIN(@expiresAt, COALESCE(@notAfter, @expiresAt)), @now, @notAfter)`,
      ),
      touch: sql.prepare(
        `UPDATE billing_sessions SET expires_at = MAX(expires_at, MIN(@extendTo, COALESCE(not_after, @extendTo))) WHERE session_hash = @hash AND expires_at > @now
         RETURNING customer_id, subscription_id, return_url, locale, expires_at`,
      ),
      deleteSession: sql.prepare('DELETE FROM billing_sessions WHERE session_hash = ?'),
      expiredLinks: sql.prepare(
        'DELETE FROM billing_links WHERE rowid IN (SELECT rowid FROM billing_links WHERE expires_at < ? ORDER BY expires_at LIMIT ?)',
      ),
      expiredSessions: sql.prepare(
        'DELETE FROM billing_sessions WHERE rowid IN (SELECT rowid FROM billing_sessions WHERE expires_at < ? ORDER BY expires_at LIMIT ?)',
      ),
    };
  }

  createLink(tokenHash: string, scope: BillingScope, expiresAt: number, now: number): Promise<void> {
    return this.sql.write(() => {
      this.s.createLink.run({ hash: tokenHash, ...scope, expiresAt, now });
    }, 'one');
  }

  redeemLink(tokenHash: string, now: number): Promise<BillingScope | null> {
    return this.sql.write(() => {
      const row = this.s.redeem.get({ hash: tokenHash, now }) as ScopeRow | undefined;
      return row ? scopeOf(row) : null;
    }, 'one');
  }

  createSession(sessionHash: string, scope: BillingScope, expiresAt: number, now: number, notAfter: number | null = null): Promise<void> {
    return this.sql.write(() => {
      this.s.createSession.run({ hash: sessionHash, ...scope, expiresAt, now, notAfter });
    }, 'one');
  }

  touchSession(sessionHash: string, now: number, extendTo: number): Promise<BillingSession | null> {
    return this.sql.write(() => {
      const row = this.s.touch.get({ hash: sessionHash, now, extendTo }) as (ScopeRow & { expires_at: number }) | undefined;
      return row ? { ...scopeOf(row), expiresAt: row.expires_at } : null;
    }, 'one');
  }

  deleteSession(sessionHash: string): Promise<void> {
    return this.sql.write(() => {
      this.s.deleteSession.run(sessionHash);
    }, 'one');
  }

  deleteExpired(before: number, limit: number): Promise<number> {
    return this.sql.write(() => {
      const links = this.s.expiredLinks.run(before, limit).changes;
      return links + this.s.expiredSessions.run(before, Math.max(0, limit - links)).changes;
    });
  }
}
