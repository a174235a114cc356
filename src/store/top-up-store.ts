import type { OutboxEntry } from '../ledger/ledger-entry.js';

export interface TopUpRecord {
  /** The PaymentIntent's id; for a hosted checkout, the Checkout Session's (cs_…) until it is paid. */
  paymentIntentId: string;
  customerId: string;
  companyId: string;
  subscriptionId: string | null;
  amountMinor: number;
  currency: string;
  /** Credits fixed by a pack bought (else null: the amount at CREDIT_RATES). */
  credits: string | null;
  flow: 'off_session' | 'on_session' | 'checkout';
  /** The last PaymentIntent status we saw (at creation, then from payment_intent.* events). */
  status: string;
  /** Who asked for it (api key fingerprint or jwt subject); never the key itself. */
  caller: string;
  createdAt: number;
}

export interface InFlight {
  undelivered: OutboxEntry[];
  recentlyDelivered: OutboxEntry[];
  processing: TopUpRecord[];
}

/** The PaymentIntents /top-up created, and what a balance read may not show yet. */
export interface TopUpStore {
  save(topUp: TopUpRecord): Promise<void>;
  get(paymentIntentId: string): Promise<TopUpRecord | null>;
  setStatus(paymentIntentId: string, status: string): Promise<void>;
  /**
   * A customer's top-ups that a balance read at `deliveredSince` may not show: top-up credits
   * (not refund or dispute compensations, nor grants) queued but not delivered, credits delivered at or after
   * `deliveredSince`, and top-ups whose payment is still processing (created at or after `processingSince`).
   */
  listInFlight(customerId: string, processingSince: number, deliveredSince: number): Promise<InFlight>;
}
