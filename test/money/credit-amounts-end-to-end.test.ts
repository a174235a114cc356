import { afterAll, beforeAll, describe, expect, it, test } from 'vitest';
import { startHarness, topUpPaymentIntent, waitFor, type Harness } from '../support/harness.js';

/** Amounts as they reach the (fake) Moesif ledger, whichever path queued the credit. */
describe('defect 1: Moesif receives major units for every currency class', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.stop();
  });

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
    ['ugx', 500_000, 5_000],
  ])('webhook: payment_intent.succeeded of %s %i → Moesif amount %s', async (currency, amount, major) => {
    const pi = topUpPaymentIntent({ amount, amount_received: amount, currency });
    const res = await h.postEvent(h.stripe.makeEvent('payment_intent.succeeded', pi));
    expect(res.status).toBe(200);
    await waitFor(() => h.moesif.ledger.has(pi.id), 5_000, `credit ${pi.id}`);
    expect(h.moesif.ledger.get(pi.id)?.amount).toBe(major);
    const entry = await h.service.store.outbox.get(pi.id);
    expect(entry).toMatchObject({ amountMinor: amount, currency, state: expect.stringMatching(/pending|delivered/) });
  });

  it('the credited amount is amount_received, not amount', async () => {
    const pi = topUpPaymentIntent({ amount: 2000, amount_received: 1500, currency: 'usd' });
    await h.postEvent(h.stripe.makeEvent('payment_intent.succeeded', pi)).expect(200);
    await waitFor(() => h.moesif.ledger.has(pi.id), 5_000, `credit ${pi.id}`);
    expect(h.moesif.ledger.get(pi.id)?.amount).toBe(15);
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
