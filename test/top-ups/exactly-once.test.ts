import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type Stripe from 'stripe';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { WEBHOOK_SECRET, startHarness, waitFor, type Harness } from '../support/harness.js';
import { apiKeyAuth, expectNothingCredited, getTopUp, postTopUp, settle, storedPaymentIntent, waitForDelivered } from './top-up-helpers.js';

const BODY = { customer_id: 'cus_alice', amount: 1000, currency: 'usd', subscription_id: 'sub_alice' };

function succeededEvent(h: Harness, paymentIntentId: string): Stripe.Event {
  return h.stripe.makeEvent('payment_intent.succeeded', structuredClone(storedPaymentIntent(h, paymentIntentId)));
}

/** Exactly one accepted Moesif credit, for this PaymentIntent, in major units. */
function expectOneCredit(h: Harness, paymentIntentId: string, amount = 10): void {
  expect(h.moesif.accepted).toEqual([
    {
      company_id: 'cus_alice',
      subscription_id: 'sub_alice',
      amount,
      type: 'credit',
      transaction_id: paymentIntentId,
      description: `Stripe top-up ${paymentIntentId}`,
    },
  ]);
  expect(h.moesif.duplicateCount).toBe(0);
}

describe('defect 10: the /top-up fast path and the webhook meet on one credit', () => {
  let h: Harness;
  let server: Server | null = null;
  afterEach(async () => {
    vi.restoreAllMocks();
    if (server) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server!.close(() => resolve()));
      server = null;
    }
    await h.stop();
  });

  test('defect 10: webhook after the worker delivered the fast-path credit → still one credit', async () => {
    h = await startHarness();
    const res = await postTopUp(h, BODY, apiKeyAuth);
    expect(res.status).toBe(201);
    const id = res.body.payment_intent_id as string;
    await waitForDelivered(h, id);

    const event = succeededEvent(h, id);
    const hook = await h.postEvent(event);
    expect(hook.status).toBe(200);
    expect(hook.body).toEqual({ received: true, outcome: 'queued' });
    expect((await h.service.store.events.get(event.id))?.outcome).toBe('queued');
    // A redelivery of the same event is a duplicate.
    const again = await h.postEvent(event);
    expect(again.body).toEqual({ received: true, outcome: 'duplicate' });

    await settle();
    expectOneCredit(h, id);
    const entry = await h.service.store.outbox.get(id);
    expect(entry).toMatchObject({ state: 'delivered', source: 'top-up', attempts: 1 });
  });

  test('defect 10: webhook before the worker delivered (fast-path entry still pending) → one credit', async () => {
    h = await startHarness({ startWorker: false });
    const res = await postTopUp(h, BODY, apiKeyAuth);
    expect(res.status).toBe(201);
    const id = res.body.payment_intent_id as string;
    expect((await h.service.store.outbox.get(id))?.state).toBe('pending');

    const hook = await h.postEvent(succeededEvent(h, id));
    expect(hook.status).toBe(200);
    // A second, distinct event for the same PaymentIntent (Stripe may send several).
    expect((await h.postEvent(succeededEvent(h, id))).status).toBe(200);
    expect(await h.service.store.outbox.countByState()).toEqual({ pending: 1, delivered: 0, failed: 0, dead: 0 });

    h.service.worker.start();
    await waitForDelivered(h, id);
    await settle();
    expectOneCredit(h, id);
  });

  test('defect 10: webhook lands between Stripe’s success and the fast-path enqueue → one credit, queued by the webhook', async () => {
    h = await startHarness();
    const outbox = h.service.store.outbox;
    const original = outbox.enqueue.bind(outbox);
    let eventId: string | null = null;
    vi.spyOn(outbox, 'enqueue').mockImplementationOnce(async (entry, source, now) => {
      // Stripe's webhook arrives while /top-up is between its Stripe call and its own enqueue.
      const event = succeededEvent(h, entry.paymentIntentId);
      eventId = event.id;
      const hook = await h.postEvent(event);
      expect(hook.status).toBe(200);
      return original(entry, source, now);
    });

    const res = await postTopUp(h, BODY, apiKeyAuth);
    expect(res.status).toBe(201);
    const id = res.body.payment_intent_id as string;
    await waitForDelivered(h, id);
    await settle();
    expectOneCredit(h, id);
    expect((await outbox.get(id))?.source).toBe(`event:${eventId}`);
  });

  test('defect 10: Stripe delivers the webhook itself while top-ups are in flight → one credit per top-up', async () => {
    h = await startHarness();
    server = await new Promise<Server>((resolve) => {
      const s = h.app.listen(0, '127.0.0.1', () => resolve(s));
    });
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/stripe`;
    h.stripe.deliverWebhooksTo(url, WEBHOOK_SECRET);

    const amounts = [1000, 1100, 1200, 1300, 1400, 1500];
    const responses = await Promise.all(amounts.map((amount) => postTopUp(h, { ...BODY, amount }, apiKeyAuth)));
    const ids = responses.map((r) => {
      expect(r.status).toBe(201);
      return r.body.payment_intent_id as string;
    });
    expect(new Set(ids).size).toBe(amounts.length);

    // Every PaymentIntent's webhook was received and recorded.
    await waitFor(async () => {
      const events = h.stripe.events.filter((e) => e.type === 'payment_intent.succeeded');
      if (events.length < amounts.length) return false;
      const recorded = await Promise.all(events.map((e) => h.service.store.events.get(e.id)));
      return recorded.every((r) => r?.outcome === 'queued');
    }, 5_000, 'webhooks recorded');
    for (const id of ids) await waitForDelivered(h, id);
    await settle();

    expect(h.moesif.accepted).toHaveLength(amounts.length);
    expect(h.moesif.duplicateCount).toBe(0);
    expect(new Set(h.moesif.accepted.map((t) => t.transaction_id))).toEqual(new Set(ids));
    expect(h.moesif.balanceOf('sub_alice')).toBe(amounts.reduce((a, b) => a + b, 0) / 100);
  });

  test('defect 10: the same PaymentIntent’s webhook posted concurrently with the worker’s delivery, many times → one credit', async () => {
    h = await startHarness();
    const res = await postTopUp(h, BODY, apiKeyAuth);
    const id = res.body.payment_intent_id as string;
    const hooks = await Promise.all(Array.from({ length: 8 }, () => h.postEvent(succeededEvent(h, id))));
    expect(hooks.map((r) => r.status)).toEqual(Array(8).fill(200));
    await waitForDelivered(h, id);
    await settle();
    expectOneCredit(h, id);
  });
});

describe('defect 10: the API path never credits before the payment succeeded', () => {
  let h: Harness;
  afterEach(async () => {
    await h.stop();
  });

  test('defect 10: a top-up left processing is not credited until the webhook says succeeded', async () => {
    h = await startHarness();
    const res = await postTopUp(h, { ...BODY, payment_method: 'pm_processing' }, apiKeyAuth);
    expect(res.status, res.text).toBe(201);
    expect(res.body).toMatchObject({ status: 'processing', amount: 1000, currency: 'usd', customer_id: 'cus_alice' });
    expect(res.body).not.toHaveProperty('client_secret');
    const id = res.body.payment_intent_id as string;
    expect(storedPaymentIntent(h, id)).toMatchObject({ status: 'processing', amount_received: 0, payment_method: 'pm_processing' });
    expect(await h.service.store.topUps.get(id)).toMatchObject({ paymentIntentId: id, customerId: 'cus_alice' });

    await settle();
    expect(await h.service.store.outbox.get(id)).toBeNull();
    await expectNothingCredited(h);
    const status = await getTopUp(h, id, apiKeyAuth);
    expect(status.body).toMatchObject({ status: 'processing', credit: { state: 'awaiting_payment' } });

    // A payment_intent.processing event (or any other) does not credit either.
    const processing = await h.postEvent(h.stripe.makeEvent('payment_intent.processing', structuredClone(storedPaymentIntent(h, id))));
    expect(processing.status).toBe(200);
    await settle(60);
    await expectNothingCredited(h);

    h.stripe.succeed(id);
    const hook = await h.postEvent(succeededEvent(h, id));
    expect(hook.body).toEqual({ received: true, outcome: 'queued' });
    await waitForDelivered(h, id);
    await settle();
    expectOneCredit(h, id);
  });

  test('defect 10: a succeeded webhook carrying an older, unpaid copy of the PaymentIntent does not credit', async () => {
    h = await startHarness();
    const res = await postTopUp(h, { ...BODY, payment_method: 'pm_processing' }, apiKeyAuth);
    const id = res.body.payment_intent_id as string;
    // Snapshot with amount_received 0: nothing was received, nothing to credit.
    const snapshot = { ...structuredClone(storedPaymentIntent(h, id)), status: 'succeeded' };
    const hook = await h.postEvent(h.stripe.makeEvent('payment_intent.succeeded', snapshot));
    expect(hook.status).toBe(200);
    await settle();
    await expectNothingCredited(h);
  });
});
