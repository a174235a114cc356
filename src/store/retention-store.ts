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
  /** Outgoing events delivered before `before`; pending and dead ones are kept. */
  pruneDeliveredEvents(before: number, limit: number): Promise<number>;
}
