import { afterAll, beforeAll, describe, expect, it, test } from 'vitest';
import { startHarness, topUpPaymentIntent, waitFor, type Harness } from '../support/harness.js';
import { deliver, drain, makeRefund, uid } from '../ledger/ledger-helpers.js';

/**
 * The one end-to-end check of amounts as they reach the (fake) Moesif ledger, whichever path queued
 * the credit: zero-decimal (jpy, krw; isk and ugx, which Stripe counts with two), two-decimal and
 * three-decimal (kwd, bhd) currencies. The arithmetic itself is unit-tested in credit-rate.test.ts
 * and test/ledger/money.test.ts.
 */
describe('defect 1: Moesif receives major units for every currency class', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.stop();
  });

  /** A PaymentIntent on its own subscription, so each case's balance is its own. */
  function piFor(amount: number, currency: string, amountReceived = amount) {
    const sub = uid('sub');
    const pi = topUpPaymentIntent({
      amount,
      amount_received: amountReceived,
      currency,
      metadata: { topup_sync: 'v1', moesif_company_id: 'cus_alice', moesif_subscription_id: sub },
    });
    return { pi, sub };
  }

  test.each([
    ['usd', 1000, 10],
    ['usd', 1, 0.01],
    ['usd', 99_999_999, 999_999.99],
    ['eur', 1234, 12.34],
    ['jpy', 500, 500],
    ['krw', 12_345, 12_345],
    ['kwd', 1230, 1.23],
    ['bhd', 5, 0.005],
    ['isk', 500, 5],
    ['isk', 50_000, 500],
    ['ugx', 500_000, 5_000],
    ['USD', 1000, 10],
    ['JPY', 500, 500],
  ])('webhook: payment_intent.succeeded of %s %i → Moesif amount %s', async (currency, amount, major) => {
    const { pi, sub } = piFor(amount, currency);
    await deliver(h, h.stripe.makeEvent('payment_intent.succeeded', pi), 'queued');
    await waitFor(() => h.moesif.ledger.has(pi.id), 5_000, `credit ${pi.id}`);
    const tx = h.moesif.ledger.get(pi.id)!;
    expect(tx).toMatchObject({ transaction_id: pi.id, type: 'credit', amount: major, subscription_id: sub, company_id: 'cus_alice' });
    // The JSON number on the wire is the exact decimal (no 999999.9899999999).
    expect(JSON.stringify(tx.amount)).toBe(String(major));
    expect(h.moesif.balanceOf(sub)).toBe(major);
    // The store keeps Stripe's exact minor units and the currency.
    expect(await h.service.store.outbox.get(pi.id)).toMatchObject({ kind: 'credit', amountMinor: amount, currency: currency.toLowerCase() });
  });

  it('the credited amount is amount_received, not amount', async () => {
    const { pi } = piFor(2000, 'usd', 1500);
    await deliver(h, h.stripe.makeEvent('payment_intent.succeeded', pi), 'queued');
    await waitFor(() => h.moesif.ledger.has(pi.id), 5_000, `credit ${pi.id}`);
    expect(h.moesif.accepted.filter((tx) => tx.transaction_id === pi.id).map((tx) => tx.amount)).toEqual([15]);
  });

  test.each([
    ['jpy', 500, 200, 300],
    ['kwd', 1230, 230, 1],
    ['bhd', 5000, 5, 4.995],
  ])('a %s refund is debited in the same units: credit %i, refund %i → balance %s', async (currency, amount, refunded, left) => {
    const { pi, sub } = piFor(amount, currency);
    await deliver(h, h.stripe.makeEvent('payment_intent.succeeded', pi), 'queued');
    const refund = makeRefund(pi.id, { amount: refunded, currency });
    await deliver(h, h.stripe.makeEvent('refund.created', refund), 'queued');
    await drain(h, [pi.id, refund.id], 0);
    expect(h.moesif.balanceOf(sub)).toBe(left);
  });

  test.each([
    ['usd', 1000, 10],
    ['jpy', 500, 500],
    ['kwd', 1230, 1.23],
    ['isk', 500, 5],
    ['eur', 50, 0.5],
  ])('/top-up of %s %i → Moesif amount %s', async (currency, amount, major) => {
    const res = await h.topUp({ amount, currency, customer_id: 'cus_bob' });
    expect(res.status).toBe(201);
    const id = res.body.payment_intent_id as string;
    expect(res.body.status).toBe('succeeded');
    await waitFor(() => h.moesif.ledger.has(id), 5_000, `credit ${id}`);
    expect(h.moesif.ledger.get(id)).toMatchObject({ amount: major, company_id: 'cus_bob', subscription_id: 'sub_bob', transaction_id: id });
  });

  test.each([
    ['kwd', 1235],
    ['isk', 550],
    ['usd', 49],
    ['usd', 100_000_000],
    ['usd', 10.5],
  ])('/top-up refuses an amount Stripe would refuse: %s %s → 400, nothing charged', async (currency, amount) => {
    const before = h.stripe.createdPaymentIntentCount;
    const res = await h.topUp({ amount, currency, customer_id: 'cus_bob' });
    expect(res.status).toBe(400);
    expect(h.stripe.createdPaymentIntentCount).toBe(before);
  });
});
