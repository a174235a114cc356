/**
 * The events this service sends to the user's own app; everything about an event (id, envelope,
 * signing, delivery) is shared.
 */
export const OUTGOING_EVENT_TYPES = [
  /** Moesif accepted a credit (a top-up, a compensation, a positive adjustment). */
  'credit.delivered',
  /** Moesif accepted a debit (a refund, a dispute, a negative adjustment). */
  'debit.delivered',
  /** A ledger entry was parked (`failed`: could not be built) or refused (`dead`), with the reason. */
  'ledger_entry.failed',
  /** A top-up's payment failed (declined, or 3-D Secure not completed). */
  'top_up.payment_failed',
  /** Moesif accepted promotional credits granted by an operator. */
  'promotion.granted',
  /** An auto-recharge charged the card (succeeded, or processing: Stripe is settling it); its credit follows as credit.delivered. */
  'auto_recharge.succeeded',
  /** An auto-recharge needs the customer (3-D Secure): auto-recharge waits until they complete it or change cards. */
  'auto_recharge.requires_action',
  /** An auto-recharge was declined (hard or soft) or refused before charging, with the reason and when it is retried. */
  'auto_recharge.failed',
  /** Auto-recharge of a subscription stopped until something changes (a new card, an operator), with the reason. */
  'auto_recharge.suspended',
] as const;

export type OutgoingEventType = (typeof OUTGOING_EVENT_TYPES)[number];

/** The body every event has: Standard Webhooks' recommended `{ type, timestamp, data }`, with our id. */
export interface OutgoingEventEnvelope<D = Record<string, unknown>> {
  type: OutgoingEventType;
  /** Also the `webhook-id` header: receivers deduplicate by it. */
  id: string;
  created_at: string;
  data: D;
}
