import { afterEach, describe, expect, it } from 'vitest';
import { startHarness, waitFor, type Harness } from '../support/harness.js';
import { apiKeyAuth, getBalance, jwtFor } from './balance-helpers.js';

describe('GET /balance: top-ups in flight', () => {
  let h: Harness;
  afterEach(async () => {
    await h.stop();
  });

  it("a processing top-up shows as in flight with state 'processing'; once paid and delivered it is in the balance", async () => {
    h = await startHarness({ env: { BALANCE_CACHE_TTL_MS: '0' } });
    const topUp = await h.topUp({ customer_id: 'cus_alice', amount: 1000, currency: 'usd', payment_method: 'pm_processing' });
    expect(topUp.status, topUp.text).toBe(201);
    expect(topUp.body.status).toBe('processing');
    const piId = topUp.body.payment_intent_id as string;

    const res = await getBalance(h, { customer_id: 'cus_alice' }, apiKeyAuth);
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({ current_balance: 0, pending_activity: 0, available_balance: 0, in_flight_credits: 10 });
    expect(res.body.in_flight).toEqual([{ payment_intent_id: piId, amount: 1000, currency: 'usd', credits: 10, state: 'processing' }]);
    expect(h.moesif.requests).toEqual([]);

    // Bob does not see Alice's payment.
    const bob = await getBalance(h, {}, `Bearer ${await jwtFor('cus_bob')}`);
    expect(bob.body).toMatchObject({ in_flight: [], in_flight_credits: 0 });

    // The bank settles: Stripe sends payment_intent.succeeded.
    const pi = h.stripe.succeed(piId);
    expect((await h.postEvent(h.stripe.makeEvent('payment_intent.succeeded', structuredClone(pi)))).status).toBe(200);
    await waitFor(async () => (await h.service.store.outbox.get(piId))?.state === 'delivered', 5_000, 'credit delivered');

    const after = await getBalance(h, { customer_id: 'cus_alice' }, apiKeyAuth);
    expect(after.body).toMatchObject({ current_balance: 10, available_balance: 10, in_flight: [], in_flight_credits: 0 });
  });

  it("a credit Moesif has not accepted yet shows as in flight with state 'pending_delivery'", async () => {
    h = await startHarness({ env: { BALANCE_CACHE_TTL_MS: '0' } });
    h.moesif.respondWith(...Array<number>(400).fill(500));
    const topUp = await h.topUp({ customer_id: 'cus_alice', amount: 1000, currency: 'usd' });
    expect(topUp.status, topUp.text).toBe(201);
    expect(topUp.body.status).toBe('succeeded');
    const piId = topUp.body.payment_intent_id as string;
    // Moesif refused it at least once: still pending.
    await waitFor(async () => ((await h.service.store.outbox.get(piId))?.attempts ?? 0) >= 1, 5_000, 'a failed delivery attempt');
    expect((await h.service.store.outbox.get(piId))?.state).toBe('pending');
    expect(h.moesif.ledger.size).toBe(0);

    const res = await getBalance(h, {}, `Bearer ${await jwtFor('cus_alice')}`);
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({ subscription_id: 'sub_alice', current_balance: 0, available_balance: 0, in_flight_credits: 10 });
    expect(res.body.in_flight).toEqual([{ payment_intent_id: piId, amount: 1000, currency: 'usd', credits: 10, state: 'pending_delivery' }]);
  });

  it('in-flight credits use the credit rates and are summed exactly', async () => {
    h = await startHarness({ env: { BALANCE_CACHE_TTL_MS: '0', CREDIT_RATES: 'eur:1.08,jpy:0.0067' } });
    const eur = await h.topUp({ customer_id: 'cus_alice', amount: 1000, currency: 'eur', payment_method: 'pm_processing' });
    const jpy = await h.topUp({ customer_id: 'cus_alice', amount: 1500, currency: 'jpy', payment_method: 'pm_processing' });
    const usd = await h.topUp({ customer_id: 'cus_alice', amount: 10, currency: 'usd', payment_method: 'pm_processing' });
    expect([eur.status, jpy.status, usd.status]).toEqual([201, 201, 400]); // 0.10 usd is below Stripe's minimum
    const res = await getBalance(h, { customer_id: 'cus_alice' }, apiKeyAuth);
    expect(res.status, res.text).toBe(200);
    const credits = (res.body.in_flight as { payment_intent_id: string; credits: number }[])
      .map((t) => [t.payment_intent_id, t.credits])
      .sort();
    expect(credits).toEqual(
      [
        [eur.body.payment_intent_id, 10.8],
        [jpy.body.payment_intent_id, 10.05],
      ].sort(),
    );
    expect(res.body.in_flight_credits).toBe(20.85);
  });

  it('a processing top-up for another subscription of the customer is not shown on this one', async () => {
    h = await startHarness({
      env: { BALANCE_CACHE_TTL_MS: '0' },
      customers: [
        {
          id: 'cus_alice',
          defaultPaymentMethod: 'pm_card_visa',
          paymentMethods: ['pm_card_visa', 'pm_processing'],
          subscriptions: [
            { id: 'sub_alice', status: 'active' },
            { id: 'sub_alice_2', status: 'active' },
          ],
        },
      ],
    });
    const topUp = await h.topUp({ customer_id: 'cus_alice', amount: 1000, currency: 'usd', payment_method: 'pm_processing', subscription_id: 'sub_alice_2' });
    expect(topUp.status, topUp.text).toBe(201);
    const one = await getBalance(h, { customer_id: 'cus_alice', subscription_id: 'sub_alice' }, apiKeyAuth);
    const two = await getBalance(h, { customer_id: 'cus_alice', subscription_id: 'sub_alice_2' }, apiKeyAuth);
    expect(one.body).toMatchObject({ in_flight: [], in_flight_credits: 0 });
    expect(two.body).toMatchObject({ in_flight_credits: 10 });
    expect(two.body.in_flight).toHaveLength(1);
  });
});
