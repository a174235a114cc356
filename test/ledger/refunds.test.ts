import { afterEach, beforeEach, describe, expect, it, test } from 'vitest';
import { startHarness, topUpPaymentIntent, type Harness } from '../support/harness.js';
import { deliver, drain, expectNoDuplicatesAtMoesif, knownTopUp, ledgerOf, makeRefund, sleep, uid } from './ledger-helpers.js';

describe('defect 7: refunds take a top-up\'s credits back', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(async () => {
    await h.stop();
  });

  it('defect 7: a full refund of a credited top-up → a debit of the refund amount in major units, balance back to 0', async () => {
    const pi = topUpPaymentIntent();
    await deliver(h, h.stripe.makeEvent('payment_intent.succeeded', pi), 'queued');
    await drain(h, [pi.id]);
    expect(h.moesif.balanceOf('sub_alice')).toBe(10);

    const refund = makeRefund(pi.id, { amount: 1000, status: 'succeeded' });
    const event = h.stripe.makeEvent('refund.created', refund);
    await deliver(h, event, 'queued');
    await drain(h, [refund.id]);

    expect(ledgerOf(h)).toEqual(
      [
        { transaction_id: pi.id, type: 'credit', amount: 10 },
        { transaction_id: refund.id, type: 'debit', amount: 10 },
      ].sort((a, b) => a.transaction_id.localeCompare(b.transaction_id)),
    );
    const credit = h.moesif.ledger.get(pi.id)!;
    const debit = h.moesif.ledger.get(refund.id)!;
    expect(debit.company_id).toBe(credit.company_id);
    expect(debit.subscription_id).toBe(credit.subscription_id);
    expect(debit).toMatchObject({ company_id: 'cus_alice', subscription_id: 'sub_alice', type: 'debit', amount: 10 });
    expect(h.moesif.balanceOf('sub_alice')).toBe(0);
    expectNoDuplicatesAtMoesif(h);

    expect(await h.service.store.outbox.get(refund.id)).toMatchObject({
      transactionId: refund.id,
      kind: 'debit',
      amountMinor: 1000,
      currency: 'usd',
      customerId: 'cus_alice',
      companyId: 'cus_alice',
      subscriptionId: 'sub_alice',
      paymentIntentId: pi.id,
      state: 'delivered',
      source: `event:${event.id}`,
    });
    expect(await h.service.store.events.get(event.id)).toMatchObject({ type: 'refund.created', outcome: 'queued' });
    expect(await h.service.store.outbox.countByState()).toEqual({ pending: 0, delivered: 2, failed: 0, dead: 0 });
  });

  it('defect 7: partial refunds of 300 and 200 on a 1000 top-up → debits of 3 and 2; charge.refunded (cumulative) is ignored', async () => {
    const pi = topUpPaymentIntent({ amount: 1000, amount_received: 1000 });
    await deliver(h, h.stripe.makeEvent('payment_intent.succeeded', pi), 'queued');
    const first = makeRefund(pi.id, { amount: 300 });
    const second = makeRefund(pi.id, { amount: 200 });
    await deliver(h, h.stripe.makeEvent('refund.created', first), 'queued');
    // What Stripe also sends after the second refund: the charge with the cumulative amount refunded.
    const charge = {
      id: first.charge as string,
      object: 'charge',
      amount: 1000,
      amount_refunded: 500,
      currency: 'usd',
      payment_intent: pi.id,
      customer: 'cus_alice',
      refunded: false,
      status: 'succeeded',
      metadata: {},
    };
    await deliver(h, h.stripe.makeEvent('refund.created', second), 'queued');
    const chargeRefunded = h.stripe.makeEvent('charge.refunded', charge);
    await deliver(h, chargeRefunded, 'ignored');
    await drain(h, [pi.id, first.id, second.id]);

    expect(ledgerOf(h)).toEqual(
      [
        { transaction_id: pi.id, type: 'credit', amount: 10 },
        { transaction_id: first.id, type: 'debit', amount: 3 },
        { transaction_id: second.id, type: 'debit', amount: 2 },
      ].sort((a, b) => a.transaction_id.localeCompare(b.transaction_id)),
    );
    expect(h.moesif.balanceOf('sub_alice')).toBe(5);
    expect(h.moesif.accepted.map((t) => t.amount).filter((a) => a === 5)).toEqual([]);
    expect(await h.service.store.events.get(chargeRefunded.id)).toMatchObject({ outcome: 'ignored' });
    expect(await h.service.store.outbox.get(first.id)).toMatchObject({ kind: 'debit', amountMinor: 300, state: 'delivered' });
    expect(await h.service.store.outbox.get(second.id)).toMatchObject({ kind: 'debit', amountMinor: 200, state: 'delivered' });
    expectNoDuplicatesAtMoesif(h);
  });

  test.each([
    ['refund.failed', 'failed'],
    ['refund.updated', 'failed'],
    ['refund.updated', 'canceled'],
  ] as const)('defect 7: %s with status %s after the debit → compensating credit `<refund>:reversed`, net back to the credit', async (type, status) => {
    const pi = topUpPaymentIntent();
    await deliver(h, h.stripe.makeEvent('payment_intent.succeeded', pi), 'queued');
    const refund = makeRefund(pi.id, { amount: 400, status: 'pending' });
    await deliver(h, h.stripe.makeEvent('refund.created', refund), 'queued');
    await drain(h, [pi.id, refund.id]);
    expect(h.moesif.balanceOf('sub_alice')).toBe(6);

    const undone = h.stripe.makeEvent(type, { ...refund, status });
    await deliver(h, undone, 'queued');
    await drain(h, [`${refund.id}:reversed`]);

    expect(ledgerOf(h)).toEqual(
      [
        { transaction_id: pi.id, type: 'credit', amount: 10 },
        { transaction_id: refund.id, type: 'debit', amount: 4 },
        { transaction_id: `${refund.id}:reversed`, type: 'credit', amount: 4 },
      ].sort((a, b) => a.transaction_id.localeCompare(b.transaction_id)),
    );
    expect(h.moesif.ledger.get(`${refund.id}:reversed`)).toMatchObject({ company_id: 'cus_alice', subscription_id: 'sub_alice' });
    expect(h.moesif.balanceOf('sub_alice')).toBe(10);
    expect(await h.service.store.outbox.get(`${refund.id}:reversed`)).toMatchObject({
      kind: 'credit',
      amountMinor: 400,
      paymentIntentId: pi.id,
      state: 'delivered',
      source: `event:${undone.id}`,
    });
    expectNoDuplicatesAtMoesif(h);
  });

  test.each(['pending', 'succeeded', 'requires_action'] as const)(
    'refund.updated with status %s moves nothing beyond the one debit',
    async (status) => {
      const pi = topUpPaymentIntent();
      await deliver(h, h.stripe.makeEvent('payment_intent.succeeded', pi));
      const refund = makeRefund(pi.id, { amount: 1000, status: 'pending' });
      await deliver(h, h.stripe.makeEvent('refund.created', refund));
      await deliver(h, h.stripe.makeEvent('refund.updated', { ...refund, status }));
      await drain(h, [pi.id, refund.id]);
      expect(ledgerOf(h).map((t) => t.transaction_id).sort()).toEqual([pi.id, refund.id].sort());
      expect(h.moesif.balanceOf('sub_alice')).toBe(0);
      expectNoDuplicatesAtMoesif(h);
    },
  );

  it('defect 7: the refund debit goes to the subscription the top-up credited (not a re-resolved one)', async () => {
    const pi = topUpPaymentIntent({
      metadata: { topup_sync: 'v1', moesif_company_id: 'co_acme', moesif_subscription_id: 'sub_chosen' },
    });
    await deliver(h, h.stripe.makeEvent('payment_intent.succeeded', pi));
    const refund = makeRefund(pi.id, { amount: 250 });
    await deliver(h, h.stripe.makeEvent('refund.created', refund));
    await drain(h, [pi.id, refund.id]);
    expect(h.moesif.ledger.get(refund.id)).toMatchObject({
      company_id: 'co_acme',
      subscription_id: 'sub_chosen',
      type: 'debit',
      amount: 2.5,
    });
    expect(h.moesif.balanceOf('sub_chosen')).toBe(7.5);
    expect(h.moesif.balanceOf('sub_alice')).toBe(0);
  });
});

describe('refunds that are not ours, or not to be debited', () => {
  let h: Harness;
  afterEach(async () => {
    await h?.stop();
  });

  it('a refund of a PaymentIntent Stripe does not know → 200 ignored, nothing at Moesif', async () => {
    h = await startHarness();
    const refund = makeRefund(uid('pi'), { amount: 1000 });
    const event = h.stripe.makeEvent('refund.created', refund);
    await deliver(h, event, 'ignored');
    await sleep(120);
    expect(h.moesif.requests).toEqual([]);
    expect(await h.service.store.outbox.get(refund.id)).toBeNull();
    expect(await h.service.store.events.get(event.id)).toMatchObject({ outcome: 'ignored' });
    expect(await h.service.store.outbox.countByState()).toEqual({ pending: 0, delivered: 0, failed: 0, dead: 0 });
  });

  it('a refund of a PaymentIntent without our metadata (e.g. a subscription invoice) → ignored', async () => {
    h = await startHarness();
    const invoicePi = knownTopUp(h, { metadata: { invoice: 'in_123' } });
    const refund = makeRefund(invoicePi.id, { amount: 1000 });
    await deliver(h, h.stripe.makeEvent('refund.created', refund), 'ignored');
    await deliver(h, h.stripe.makeEvent('refund.failed', { ...refund, status: 'failed' }), 'ignored');
    await sleep(120);
    expect(h.moesif.requests).toEqual([]);
    expect(await h.service.store.outbox.countByState()).toEqual({ pending: 0, delivered: 0, failed: 0, dead: 0 });
  });

  it('a refund not tied to a PaymentIntent → ignored', async () => {
    h = await startHarness();
    await deliver(h, h.stripe.makeEvent('refund.created', makeRefund(null)), 'ignored');
    await sleep(60);
    expect(h.moesif.requests).toEqual([]);
  });

  it("REFUNDS_DEBIT_CREDITS='false': refund events are recorded as ignored and the credit stands", async () => {
    h = await startHarness({ env: { REFUNDS_DEBIT_CREDITS: 'false' } });
    const pi = topUpPaymentIntent();
    await deliver(h, h.stripe.makeEvent('payment_intent.succeeded', pi), 'queued');
    const refund = makeRefund(pi.id, { amount: 1000 });
    const events = [
      h.stripe.makeEvent('refund.created', refund),
      h.stripe.makeEvent('refund.updated', { ...refund, status: 'succeeded' }),
      h.stripe.makeEvent('refund.failed', { ...refund, status: 'failed' }),
    ];
    for (const e of events) await deliver(h, e, 'ignored');
    await drain(h, [pi.id], 100);
    expect(ledgerOf(h)).toEqual([{ transaction_id: pi.id, type: 'credit', amount: 10 }]);
    expect(h.moesif.balanceOf('sub_alice')).toBe(10);
    for (const e of events) expect(await h.service.store.events.get(e.id)).toMatchObject({ outcome: 'ignored' });
    expect(await h.service.store.outbox.get(refund.id)).toBeNull();
  });
});
