/** What a billing link or session is scoped to: one customer (and subscription), chosen by the operator's backend. */
export interface BillingScope {
  customerId: string;
  /** The Moesif subscription the page shows; null = the customer's only active one. */
  subscriptionId: string | null;
  /** Where the page's "back" link goes (its origin is in BILLING_RETURN_ORIGINS). */
  returnUrl: string;
  /** A BCP 47 tag for number formatting; null = the browser's. */
  locale: string | null;
}

export interface BillingSession extends BillingScope {
  expiresAt: number;
}

/**
 * Billing-page links and sessions. Only SHA-256 hashes of their tokens are kept: a copy of the
 * database opens no one's billing page.
 */
export interface BillingSessionStore {
  /** Stores a single-use link valid until `expiresAt`. */
  createLink(tokenHash: string, scope: BillingScope, expiresAt: number, now: number): Promise<void>;
  /**
   * Uses a link: atomically marks it used and returns its scope when it exists, is unused and
   * has not expired; null otherwise (a second use, even concurrent, always gets null).
   */
  redeemLink(tokenHash: string, now: number): Promise<BillingScope | null>;
  /**
   * Stores a session valid until `expiresAt`; with `notAfter` (a JWT's exp), it never slides past
   * that time, however often it is used.
   */
  createSession(sessionHash: string, scope: BillingScope, expiresAt: number, now: number, notAfter?: number | null): Promise<void>;
  /** A live session, its expiry moved to `extendTo` (sliding, capped at its notAfter); null when unknown or expired. */
  touchSession(sessionHash: string, now: number, extendTo: number): Promise<BillingSession | null>;
  /** Ends a session at once. */
  deleteSession(sessionHash: string): Promise<void>;
  /** Deletes up to `limit` links and sessions that expired before `before`; returns how many. */
  deleteExpired(before: number, limit: number): Promise<number>;
}
