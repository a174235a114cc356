import type { DeliveryState, OutboxEntry } from '../ledger/ledger-entry.js';
import type { StoredOutgoingEvent } from './events-out-store.js';
import type { StripeEventRecord, TopUpRecord } from './store.js';

/** A database row as the drivers return it (snake_case columns). Shared by every store. */
export type Row = Record<string, unknown>;

const nullable = <T>(v: unknown): T | null => (v === undefined || v === null ? null : (v as T));

export function toOutboxEntry(r: Row): OutboxEntry {
  return {
    transactionId: r.transaction_id as string,
    kind: r.kind as OutboxEntry['kind'],
    customerId: r.customer_id as string,
    companyId: r.company_id as string,
    subscriptionId: nullable<string>(r.subscription_id),
    amountMinor: Number(r.amount_minor),
    currency: r.currency as string,
    credits: nullable<string>(r.credits),
    paymentIntentId: r.payment_intent_id as string,
    description: r.description as string,
    ledgerType: nullable<OutboxEntry['ledgerType']>(r.ledger_type),
    activeAt: r.active_at == null ? null : Number(r.active_at),
    expireAt: r.expire_at == null ? null : Number(r.expire_at),
    origin: nullable<OutboxEntry['origin']>(r.origin),
    source: r.source as string,
    state: r.state as DeliveryState,
    attempts: Number(r.attempts),
    nextAttemptAt: Number(r.next_attempt_at),
    lastError: nullable<string>(r.last_error),
    lastStatus: r.last_status == null ? null : Number(r.last_status),
    createdAt: Number(r.created_at),
    deliveredAt: r.delivered_at == null ? null : Number(r.delivered_at),
  };
}

export function toTopUp(r: Row): TopUpRecord {
  return {
    paymentIntentId: r.payment_intent_id as string,
    customerId: r.customer_id as string,
    companyId: r.company_id as string,
    subscriptionId: nullable<string>(r.subscription_id),
    amountMinor: Number(r.amount_minor),
    currency: r.currency as string,
    credits: nullable<string>(r.credits),
    flow: r.flow as TopUpRecord['flow'],
    status: r.status as string,
    caller: r.caller as string,
    createdAt: Number(r.created_at),
  };
}

export function toStripeEvent(r: Row): StripeEventRecord {
  return {
    id: r.id as string,
    type: r.type as string,
    created: Number(r.created_s),
    livemode: r.livemode === 1 || r.livemode === true,
    payload: r.payload as string,
    outcome: r.outcome as StripeEventRecord['outcome'],
    note: r.note as string,
  };
}

export function emptyCounts(): Record<DeliveryState, number> {
  return { pending: 0, delivered: 0, failed: 0, dead: 0 };
}

export function toOutgoingEvent(r: Row): StoredOutgoingEvent {
  return {
    seq: Number(r.seq),
    eventId: r.event_id as string,
    destination: r.destination as string,
    type: r.type as string,
    customerId: r.customer_id as string,
    payload: r.payload as string,
    state: r.state as StoredOutgoingEvent['state'],
    attempts: Number(r.attempts),
    nextAttemptAt: Number(r.next_attempt_at),
    lastError: nullable<string>(r.last_error),
    lastStatus: r.last_status == null ? null : Number(r.last_status),
    createdAt: Number(r.created_at),
    deliveredAt: r.delivered_at == null ? null : Number(r.delivered_at),
  };
}
