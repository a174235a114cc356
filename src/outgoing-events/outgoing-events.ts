import { createHash } from 'node:crypto';
import { ledgerEntryView } from '../history/ledger-view.js';
import type { OutboxEntry } from '../ledger/ledger-entry.js';
import { toMoesifAmount, type CreditRates } from '../money/moesif-amount.js';
import type { OutgoingEventRecord, TopUpRecord } from '../store/store.js';
import type { OutgoingEventEnvelope, OutgoingEventType } from './event-types.js';

/**
 * One id per state change: derived from the event type, what changed and (for changes that can
 * happen again, such as an entry failing after a replay) when, so the same change written twice
 * is one event and every redelivery carries the same `webhook-id`.
 */
export function outgoingEventId(type: OutgoingEventType, subject: string, discriminator = ''): string {
  return `msg_${createHash('sha256').update(`${type}\n${subject}\n${discriminator}`).digest('hex').slice(0, 32)}`;
}

/**
 * Builds the outgoing events a state change causes, one record per configured destination, for the
 * store to write in the transaction of that change. Nothing when no destination is configured.
 */
export class OutgoingEvents {
  private wake: () => void = () => {};

  constructor(
    private readonly destinations: readonly string[],
    private readonly settings: { creditRates: CreditRates; creditExpiryMs: number | null },
  ) {}

  get enabled(): boolean {
    return this.destinations.length > 0;
  }

  /** Who to wake after events were committed (the delivery worker). */
  onQueued(wake: () => void): void {
    this.wake = wake;
  }

  queued(): void {
    if (this.enabled) this.wake();
  }

  private records(type: OutgoingEventType, id: string, customerId: string, now: number, data: Record<string, unknown>): OutgoingEventRecord[] {
    const envelope: OutgoingEventEnvelope = { type, id, created_at: new Date(now).toISOString(), data };
    const payload = JSON.stringify(envelope);
    return this.destinations.map((destination) => ({ eventId: id, destination, type, customerId, payload }));
  }

  private entryData(entry: OutboxEntry): Record<string, unknown> {
    return { customer_id: entry.customerId, ...ledgerEntryView(entry, this.settings.creditRates, this.settings.creditExpiryMs) };
  }

  /** Moesif accepted `entry` (as it now stands: delivered, subscription resolved). */
  forDelivered(entry: OutboxEntry, now: number): OutgoingEventRecord[] {
    if (!this.enabled) return [];
    const type: OutgoingEventType =
      entry.ledgerType === 'promotion' ? 'promotion.granted' : entry.kind === 'debit' ? 'debit.delivered' : 'credit.delivered';
    return this.records(type, outgoingEventId(type, entry.transactionId), entry.customerId, now, this.entryData(entry));
  }

  /** `entry` was parked (`failed`) or refused (`dead`) with `reason`. */
  forUndeliverable(entry: OutboxEntry, state: 'failed' | 'dead', reason: string, now: number): OutgoingEventRecord[] {
    if (!this.enabled) return [];
    const id = outgoingEventId('ledger_entry.failed', entry.transactionId, `${state}@${now}`);
    return this.records('ledger_entry.failed', id, entry.customerId, now, { ...this.entryData({ ...entry, state }), reason });
  }

  /** Stripe reported (event `stripeEventId`) that the payment of a top-up of this service failed. */
  forPaymentFailed(topUp: TopUpRecord, stripeEventId: string, now: number): OutgoingEventRecord[] {
    if (!this.enabled) return [];
    return this.records('top_up.payment_failed', outgoingEventId('top_up.payment_failed', stripeEventId), topUp.customerId, now, {
      customer_id: topUp.customerId,
      subscription_id: topUp.subscriptionId,
      payment_intent_id: topUp.paymentIntentId,
      amount: topUp.amountMinor,
      currency: topUp.currency,
      credits: toMoesifAmount(topUp.amountMinor, topUp.currency, this.settings.creditRates),
      stripe_event_id: stripeEventId,
    });
  }
}
