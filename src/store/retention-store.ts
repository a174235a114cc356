/**
 * Deleting what is old enough to forget, a small batch at a time (each call deletes at most
 * `limit` rows, oldest first). Undelivered outbox entries (pending, failed, dead) are never
 * deleted: they are credits still owed.
 */
export interface RetentionStore {
  /** Stripe events (with their raw payloads) received before `before`. */
  pruneEvents(before: number, limit: number): Promise<number>;
  /** Idempotency keys first seen before `before`. */
  pruneIdempotencyKeys(before: number, limit: number): Promise<number>;
  /** Top-up records created before `before`. */
  pruneTopUps(before: number, limit: number): Promise<number>;
  /** Outbox entries delivered before `before`; entries in any other state are kept. */
  pruneDeliveredOutbox(before: number, limit: number): Promise<number>;
  /**
   * Auto-recharge attempts created before `before`, except what an evaluation still reads: each
   * subscription's latest attempt (the next sequence follows it) and every open one (in_flight,
   * stripe_unavailable, requires_action). The cutoff itself keeps the current month and 30 days.
   */
  pruneAutoRechargeAttempts(before: number, limit: number): Promise<number>;
  /** Auto-recharge history rows written before `before`, except each subscription's latest. */
  pruneAutoRechargeHistory(before: number, limit: number): Promise<number>;
  /** Outgoing events delivered before `before`; pending and dead ones are kept. */
  pruneDeliveredEvents(before: number, limit: number): Promise<number>;
}
