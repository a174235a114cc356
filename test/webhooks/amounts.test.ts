import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startHarness, topUpPaymentIntent, type Harness } from '../support/harness.js';
import { succeededEvent, waitForState } from './webhook-helpers.js';

describe('defect 1: Moesif amount is in major units, driven by the PaymentIntent currency', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(async () => {
    await h.stop();
  });

  it.each([
    [1000, 'usd', 10],
    [500, 'jpy', 500],
    [1230, 'kwd', 1.23],
    [1999, 'eur', 19.99],
    [1, 'usd', 0.01],
    [50_000, 'isk', 500],
    [99_999_999, 'usd', 999_999.99],
    [500, 'JPY', 500],
  ])('defect 1: amount_received %i %s → amount %d at Moesif', async (amountReceived, currency, expected) => {
    const pi = topUpPaymentIntent({ amount: amountReceived, amount_received: amountReceived, currency });
    expect((await h.postEvent(succeededEvent(h, pi))).status).toBe(200);
    await waitForState(h, pi.id, 'delivered');
    expect(h.moesif.accepted).toHaveLength(1);
    expect(h.moesif.accepted[0]?.amount).toBe(expected);
    // The store keeps the exact Stripe minor units and the currency.
    expect(await h.service.store.outbox.get(pi.id)).toMatchObject({ amountMinor: amountReceived, currency: currency.toLowerCase() });
  });

  it('defect 1: amount_received, not amount, is what gets credited', async () => {
    const pi = topUpPaymentIntent({ amount: 5000, amount_received: 1000, currency: 'usd' });
    expect((await h.postEvent(succeededEvent(h, pi))).status).toBe(200);
    await waitForState(h, pi.id, 'delivered');
    expect(h.moesif.accepted.map((tx) => tx.amount)).toEqual([10]);
  });
});
