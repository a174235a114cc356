import type Stripe from 'stripe';
import { expect } from 'vitest';
import type { OutboxEntry } from '../../src/ledger/ledger-entry.js';
import { topUpPaymentIntent, waitFor, type Harness } from '../support/harness.js';

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Posts a signed payment_intent.succeeded for a fresh top-up PaymentIntent; expects 200. */
export async function postSucceeded(
  h: Harness,
  overrides: Partial<Stripe.PaymentIntent> & { metadata?: Record<string, string> } = {},
): Promise<Stripe.PaymentIntent> {
  const pi = topUpPaymentIntent(overrides);
  const res = await h.postEvent(h.stripe.makeEvent('payment_intent.succeeded', pi));
  expect(res.status).toBe(200);
  return pi;
}

export async function entryOf(h: Harness, transactionId: string): Promise<OutboxEntry> {
  const entry = await h.service.store.outbox.get(transactionId);
  if (!entry) throw new Error(`no outbox entry ${transactionId}`);
  return entry;
}

export async function waitForEntry(
  h: Harness,
  transactionId: string,
  check: (e: OutboxEntry) => boolean,
  timeoutMs = 5_000,
  what = 'entry condition',
): Promise<OutboxEntry> {
  await waitFor(async () => {
    const e = await h.service.store.outbox.get(transactionId);
    return e !== null && check(e);
  }, timeoutMs, `${transactionId}: ${what}`);
  return entryOf(h, transactionId);
}

export const waitForState = (h: Harness, transactionId: string, state: OutboxEntry['state'], timeoutMs = 5_000) =>
  waitForEntry(h, transactionId, (e) => e.state === state, timeoutMs, `state ${state}`);
