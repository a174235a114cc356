import { randomBytes } from 'node:crypto';
import type Stripe from 'stripe';
import { expect } from 'vitest';
import type { ReceivedTransaction } from '../../src/simulators/fake-moesif.js';
import { topUpPaymentIntent, waitFor, type Harness } from '../support/harness.js';

export const uid = (prefix: string): string => `${prefix}_${randomBytes(8).toString('hex')}`;

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export type RefundStatus = 'pending' | 'succeeded' | 'failed' | 'canceled' | 'requires_action';

export function makeRefund(
  paymentIntentId: string | null,
  fields: { id?: string; amount?: number; currency?: string; status?: RefundStatus } = {},
): Stripe.Refund {
  return {
    id: fields.id ?? uid('re'),
    object: 'refund',
    amount: fields.amount ?? 1000,
    currency: fields.currency ?? 'usd',
    payment_intent: paymentIntentId,
    charge: uid('ch'),
    status: fields.status ?? 'succeeded',
    created: Math.floor(Date.now() / 1000),
    metadata: {},
  } as unknown as Stripe.Refund;
}

export type DisputeStatus =
  | 'warning_needs_response'
  | 'warning_under_review'
  | 'warning_closed'
  | 'needs_response'
  | 'under_review'
  | 'won'
  | 'lost';

/** `movements`: signed balance transaction amounts (negative = funds withdrawn, positive = reinstated). */
export function makeDispute(
  paymentIntentId: string,
  fields: { id?: string; amount?: number; currency?: string; status?: DisputeStatus; movements?: number[] } = {},
): Stripe.Dispute {
  const currency = fields.currency ?? 'usd';
  return {
    id: fields.id ?? uid('du'),
    object: 'dispute',
    amount: fields.amount ?? 1000,
    currency,
    payment_intent: paymentIntentId,
    charge: uid('ch'),
    status: fields.status ?? 'needs_response',
    reason: 'fraudulent',
    created: Math.floor(Date.now() / 1000),
    metadata: {},
    balance_transactions: (fields.movements ?? []).map((amount, i) => ({
      id: `txn_${i + 1}`,
      object: 'balance_transaction',
      amount,
      currency,
      fee: 0,
      net: amount,
      type: 'adjustment',
      reporting_category: amount < 0 ? 'dispute' : 'dispute_reversal',
    })),
  } as unknown as Stripe.Dispute;
}

/** A top-up PaymentIntent for alice that Stripe also knows (so refunds seen first can be resolved). */
export function knownTopUp(h: Harness, overrides: Parameters<typeof topUpPaymentIntent>[0] = {}): Stripe.PaymentIntent {
  const pi = topUpPaymentIntent(overrides);
  h.stripe.paymentIntents.set(pi.id, structuredClone(pi));
  return pi;
}

/** Posts an event and expects Stripe to get a 2xx with the given outcome (when named). */
export async function deliver(h: Harness, event: Stripe.Event, outcome?: 'queued' | 'ignored' | 'duplicate'): Promise<void> {
  const res = await h.postEvent(event);
  expect(res.status, `${event.type} ${event.id}: ${JSON.stringify(res.body)}`).toBe(200);
  if (outcome) expect(res.body.outcome, `${event.type} ${event.id}`).toBe(outcome);
}

/** Waits until nothing is pending in the outbox and the given transactions are at Moesif, then a little longer. */
export async function drain(h: Harness, transactionIds: readonly string[] = [], settleMs = 60): Promise<void> {
  await waitFor(
    async () => (await h.service.store.outbox.countByState()).pending === 0 && transactionIds.every((id) => h.moesif.ledger.has(id)),
    5_000,
    `outbox drained and ${transactionIds.join(', ')} at Moesif`,
  );
  await sleep(settleMs);
}

export interface Tx {
  transaction_id: string;
  type: string;
  amount: number;
}

/** The fake Moesif ledger (deduped by transaction id) as a sorted list of id/type/amount. */
export function ledgerOf(h: Harness, filter: (tx: ReceivedTransaction) => boolean = () => true): Tx[] {
  return [...h.moesif.ledger.values()]
    .filter(filter)
    .map((tx) => ({ transaction_id: tx.transaction_id, type: tx.type, amount: tx.amount }))
    .sort((a, b) => a.transaction_id.localeCompare(b.transaction_id));
}

export function sortTx(list: Tx[]): Tx[] {
  return [...list].sort((a, b) => a.transaction_id.localeCompare(b.transaction_id));
}

/** No transaction id was accepted twice by Moesif, and nothing was posted that it did not keep. */
export function expectNoDuplicatesAtMoesif(h: Harness): void {
  const ids = h.moesif.accepted.map((t) => t.transaction_id);
  expect(ids.length, `accepted: ${ids.join(', ')}`).toBe(new Set(ids).size);
  expect(h.moesif.duplicateCount).toBe(0);
}
