const DAY_MS = 24 * 3600 * 1000;

/**
 * The least each kind of row is kept, whatever RETENTION_DAYS says, because exactly-once
 * depends on it:
 * - events: an event id answers Stripe's redeliveries as a duplicate; Stripe retries for up to
 *   3 days (plus a day of margin).
 * - idempotency keys: a client retrying a top-up with its Idempotency-Key must get the first
 *   answer; Stripe itself forgets keys after 24 h, so this service must remember them longer.
 * - delivered outbox entries: the transaction id is the final guard against crediting twice, and
 *   Stripe hands out events for 30 days (reconciliation and redrive read them): 30 days plus margin.
 * - top-ups: GET /balance shows processing payments for 14 days.
 * - delivered outgoing events: kept a week so an operator can still replay one a receiver lost
 *   (dead ones are never deleted).
 * - auto-recharge attempts: the monthly cap sums this calendar month (up to 31 days back) and the
 *   per-card limit counts 30 days, so 62 days; each subscription's latest attempt and open ones
 *   (in flight, Stripe unreachable, waiting for the customer) are never deleted.
 * - auto-recharge history: as long as the attempts it explains; a subscription's latest row stays.
 */
export const RETENTION_FLOOR_DAYS = {
  events: 4,
  idempotencyKeys: 2,
  deliveredOutbox: 35,
  topUps: 15,
  deliveredEvents: 7,
  autoRechargeAttempts: 62,
  autoRechargeHistory: 62,
} as const;

export type RetainedKind = keyof typeof RETENTION_FLOOR_DAYS;

/** Unix ms before which rows of each kind may be deleted. */
export type RetentionCutoffs = Record<RetainedKind, number>;

export function retentionCutoffs(retentionDays: number, now: number): RetentionCutoffs {
  const cutoff = (kind: RetainedKind) => now - Math.max(retentionDays, RETENTION_FLOOR_DAYS[kind]) * DAY_MS;
  return {
    events: cutoff('events'),
    idempotencyKeys: cutoff('idempotencyKeys'),
    deliveredOutbox: cutoff('deliveredOutbox'),
    topUps: cutoff('topUps'),
    deliveredEvents: cutoff('deliveredEvents'),
    autoRechargeAttempts: cutoff('autoRechargeAttempts'),
    autoRechargeHistory: cutoff('autoRechargeHistory'),
  };
}
