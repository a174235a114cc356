import { createHash } from 'node:crypto';
import { ledgerEntryView } from '../history/ledger-view.js';
import type { OutboxEntry } from '../ledger/ledger-entry.js';
import { toMoesifAmount, type CreditRates } from '../money/moesif-amount.js';
import type { AttemptResult, AutoRechargeAttempt } from '../store/auto-recharge-store.js';
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

  /**
   * An auto-recharge attempt reached an outcome (one event per attempt and outcome: a retaken
   * attempt that ends the same way is the same event). `credits`: what it buys (a pack's exact
   * credits, else the amount at CREDIT_RATES).
   */
  forAutoRechargeAttempt(attempt: AutoRechargeAttempt, result: AttemptResult, credits: number | null, now: number): OutgoingEventRecord[] {
    if (!this.enabled) return [];
    const type = autoRechargeEventType(result.outcome);
    if (!type) return [];
    const id = outgoingEventId(type, attempt.id, result.outcome);
    return this.records(type, id, attempt.customerId, now, {
      customer_id: attempt.customerId,
      subscription_id: attempt.subscriptionId,
      attempt_id: attempt.id,
      outcome: result.outcome,
      reason: result.reason,
      decline_code: result.declineCode,
      payment_intent_id: result.paymentIntentId,
      amount: attempt.amountMinor,
      currency: attempt.currency,
      credits: credits ?? toMoesifAmount(attempt.amountMinor, attempt.currency, this.settings.creditRates),
      pack: attempt.pack ? { price_id: attempt.pack.priceId, quantity: attempt.pack.quantity } : null,
      next_retry_at: result.outcome === 'soft_decline' && result.retryAt !== null ? new Date(result.retryAt).toISOString() : null,
    });
  }

  /** Auto-recharge of a subscription was suspended (one event per suspension). */
  forAutoRechargeSuspended(setting: { customerId: string; subscriptionId: string }, reason: string, since: number, attemptId: string | null): OutgoingEventRecord[] {
    if (!this.enabled) return [];
    const id = outgoingEventId('auto_recharge.suspended', setting.subscriptionId, `${reason}@${since}`);
    return this.records('auto_recharge.suspended', id, setting.customerId, since, {
      customer_id: setting.customerId,
      subscription_id: setting.subscriptionId,
      reason,
      since: new Date(since).toISOString(),
      attempt_id: attemptId,
    });
  }
}

/** The event an attempt outcome is, if any (an unreachable Stripe is retried, a superseded payment canceled: neither is news). */
function autoRechargeEventType(outcome: AttemptResult['outcome']): OutgoingEventType | null {
  switch (outcome) {
    case 'succeeded':
    case 'processing':
      return 'auto_recharge.succeeded';
    case 'requires_action':
      return 'auto_recharge.requires_action';
    case 'hard_decline':
    case 'soft_decline':
    case 'failed':
      return 'auto_recharge.failed';
    default:
      return null;
  }
}
